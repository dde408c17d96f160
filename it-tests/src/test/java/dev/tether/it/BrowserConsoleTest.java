package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.relay.session.Session;
import dev.tether.relay.session.SessionState;
import dev.tether.testkit.browser.Browser;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/**
 * A developer in Chromium: opens the console from a {@code #token=} link, clicks Debug, and
 * debugs the real sample function in the relay's hosted DevTools: a breakpoint set in Sources
 * pauses an invocation on its line, and the DevTools console evaluates in the paused frame.
 */
@Timeout(180)
class BrowserConsoleTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  /** Short, so the test also sees the tab survive several WebSocket idle timeouts (3 pings). */
  private static final Duration KEEP_ALIVE = Duration.ofSeconds(1);

  @RegisterExtension
  static final TetherStack tether =
      TetherStack.perClass(config -> config.devtoolsKeepAlive(KEEP_ALIVE));
  private static TetherStack.Function orders;
  @RegisterExtension static final Browser browser = Browser.perClass("console");

  @BeforeAll
  static void start() throws Exception {
    orders = tether.startFunction("orders");
  }

  @Test
  void aDeveloperOpensDevToolsFromTheConsoleAndPausesTheFunctionOnABreakpoint() throws Exception {
    String alice = tether.userToken("alice", List.of("orders*"));
    browser.open(tether.relay().uri("/") + "#token=" + alice);

    // 1. The console lists the function and its live instance.
    WebElement card = browser.await(WAIT, "the orders card",
        d -> browser.deep("article.function[aria-labelledby='fn-orders']"));
    browser.await(WAIT, "the instance row",
        d -> card.getText().contains(orders.instanceId()) ? true : null);
    assertThat(browser.driver().getCurrentUrl()).as("the token leaves the address bar")
        .doesNotContain("token");
    browser.screenshot("1-functions");
    assertThat(browser.consoleErrors()).as("console errors on the console page").isEmpty();

    // 2. Debug this instance opens the hosted DevTools in a new tab, and the relay sees it attach
    //    (the card's Debug opens a function session: BrowserFunctionSessionTest).
    String console = browser.driver().getWindowHandle();
    card.findElement(org.openqa.selenium.By.cssSelector(
        "button[aria-label='Debug instance " + orders.instanceId() + " of orders']")).click();
    browser.switchToNewTab(console, WAIT);
    browser.await(WAIT, "hosted DevTools", d -> d.getCurrentUrl().contains("/devtools/tether_app.html?ws=") ? true : null);
    Session session = browser.await(WAIT, "the session to attach", d -> attachedSession());
    browser.await(WAIT, "the DevTools UI", d -> browser.deep("#tab-sources"));
    browser.screenshot("2-devtools-attached");

    // The tab idles for more than two WebSocket idle timeouts (3 keepalive intervals each): the
    // relay's pings, answered by the browser, keep it attached.
    browser.staysTrue(KEEP_ALIVE.multipliedBy(7), "the idle DevTools tab stays attached",
        () -> session.state() == SessionState.ATTACHED);

    // 3. Sources: open handler.js by name (Ctrl+P) and click the gutter on `const tax =`.
    int line = TetherStack.lineOf("examples/orders/handler.js", "const tax =") + 1;
    browser.deep("#tab-sources").click();
    browser.await(WAIT, "the Node file tree", d -> browser.deep("#tab-navigator-network"));
    new Actions(browser.driver()).keyDown(Keys.CONTROL).sendKeys("p").keyUp(Keys.CONTROL).perform();
    browser.await(WAIT, "quick open", d -> browser.deep(".filtered-list-widget"));
    new Actions(browser.driver()).sendKeys("handler.js").perform();
    browser.await(WAIT, "handler.js in quick open",
        d -> browser.deepTexts(".filtered-list-widget-item").stream()
            .anyMatch(text -> text.contains("handler.js")) ? true : null);
    new Actions(browser.driver()).sendKeys(Keys.ENTER).perform();
    WebElement gutter = browser.await(WAIT, "line " + line + " in the editor",
        d -> browser.deepAll(".cm-lineNumbers .cm-gutterElement").stream()
            .filter(e -> e.getText().trim().equals(Integer.toString(line)))
            .findFirst().orElse(null));
    gutter.click();
    browser.await(WAIT, "the breakpoint marker", d -> browser.deep(".cm-breakpoint"));
    browser.screenshot("3-breakpoint-set");

    // 4. An invocation pauses there; Sources shows the paused line.
    CompletableFuture<HttpResponse<String>> invocation =
        orders.invoke("{\"customer\":\"bob\",\"items\":[{\"unitPrice\":10,\"quantity\":2}]}");
    WebElement paused = browser.await(WAIT, "the execution line",
        d -> browser.deep(".cm-executionLine"));
    assertThat(paused.getText()).contains("const tax = Math.round(subtotal * TAX_RATE * 100) / 100;");
    assertThat(invocation).as("the invocation waits at the breakpoint").isNotDone();
    browser.await(WAIT, "the paused message", d -> browser.deep(".paused-message"));
    browser.screenshot("4-paused");

    // 5. The DevTools console evaluates in the paused frame.
    new Actions(browser.driver()).sendKeys(Keys.ESCAPE).perform();
    // Escape opens the console drawer with its prompt focused, as for a person.
    browser.await(WAIT, "the console prompt", d -> browser.deep(".console-prompt-editor-container"));
    new Actions(browser.driver()).sendKeys("subtotal + ':' + event.customer").sendKeys(Keys.ENTER)
        .perform();
    browser.await(WAIT, "the result '20:bob'",
        d -> browser.deepTexts(".console-user-command-result").stream()
            .anyMatch(text -> text.contains("20:bob")) ? true : null);
    browser.screenshot("5-console-result");

    // 6. Resume (F8): the invocation completes.
    new Actions(browser.driver()).sendKeys(Keys.F8).perform();
    assertThat(invocation.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(session.state()).isEqualTo(SessionState.ATTACHED);
    // chii's own front end may log its own complaints; what the relay serves must not fail.
    assertThat(browser.consoleErrors()).as("CSP violations or failed loads in hosted DevTools")
        .noneMatch(m -> m.contains("Content Security Policy") || m.contains("Failed to load"));

    // 7. Back in the console: the session panel shows the session (BrowserFirstHourTest covers its links).
    browser.driver().switchTo().window(console);
    browser.await(WAIT, "the session panel", d -> browser.deep("#session:not([hidden]) h2"));
    browser.screenshot("6-console-session");
    assertThat(browser.consoleErrors()).as("console errors on the console page").isEmpty();
  }

  private static Session attachedSession() {
    return tether.relay().sessions().live().stream()
        .filter(s -> s.state() == SessionState.ATTACHED)
        .findFirst().orElse(null);
  }
}
