package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.relay.auth.Mode;
import dev.tether.relay.auth.Role;
import dev.tether.relay.session.Session;
import dev.tether.relay.session.SessionState;
import dev.tether.testkit.browser.Browser;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/**
 * A developer in Chromium debugs the function, not an instance: the console's Debug on a function
 * with two live instances opens the hosted DevTools' Node front end (node_app.html) with both
 * instances in it, and one breakpoint set in Sources pauses a request to either instance.
 */
@Timeout(240)
class BrowserFunctionSessionTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @RegisterExtension static final TetherStack tether = TetherStack.perClass();
  private static TetherStack.Function first;
  private static TetherStack.Function second;
  @RegisterExtension static final Browser browser = Browser.perClass("function-session");

  @BeforeAll
  static void start() throws Exception {
    first = tether.startFunction("orders");
    second = tether.startFunction("orders");
  }

  @Test
  void oneBreakpointSetOnceInTheFunctionsWindowPausesARequestToEitherInstance() throws Exception {
    String alice = tether.userToken("alice", List.of("orders"));
    browser.open(tether.relay().uri("/") + "#token=" + alice);
    WebElement card = browser.await(WAIT, "the orders card with both instances", d -> {
      WebElement found = browser.deep("article.function[aria-labelledby='fn-orders']");
      return found != null && found.getText().contains(first.instanceId())
          && found.getText().contains(second.instanceId()) ? found : null;
    });
    browser.screenshot("1-two-instances");

    String console = browser.driver().getWindowHandle();
    card.findElement(By.cssSelector(".function-head button.primary")).click();
    browser.switchToNewTab(console, WAIT);
    browser.await(WAIT, "the hosted Node front end",
        d -> d.getCurrentUrl().contains("/devtools/tether_node_app.html?ws=") ? true : null);
    Session session = browser.await(WAIT, "the function session to attach", d -> attached());
    assertThat(session.functionScope()).isTrue();
    browser.await(WAIT, "the DevTools UI", d -> browser.deep("#tab-sources"));
    browser.deep("#tab-sources").click();
    WebElement threads = browser.await(WAIT, "the Threads pane",
        d -> browser.deepAll(".expandable-view-title").stream()
            .filter(e -> e.getText().contains("Threads")).findFirst().orElse(null));
    threads.click();
    // DevTools names each Node target's thread by its process, node[pid]: one per instance.
    browser.await(WAIT, "both instances listed as threads",
        d -> browser.deepTexts(".thread-item-title").stream()
            .filter(t -> t.startsWith("node")).distinct().count() == 2 ? true : null);
    browser.screenshot("2-both-instances-in-devtools");

    int line = TetherStack.lineOf("examples/orders/handler.js", "const tax =") + 1;
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
    browser.screenshot("3-breakpoint-set-once");

    int step = 4;
    for (TetherStack.Function instance : List.of(first, second, first)) {
      CompletableFuture<HttpResponse<String>> invocation =
          instance.invoke("{\"items\":[{\"unitPrice\":10,\"quantity\":2}]}");
      WebElement paused = browser.await(WAIT, "the execution line on " + instance.instanceId(),
          d -> browser.deep(".cm-executionLine"));
      assertThat(paused.getText()).contains("const tax =");
      assertThat(invocation).as("the request to %s waits at the breakpoint", instance.instanceId())
          .isNotDone();
      browser.screenshot(step++ + "-paused-on-" + instance.instanceId());
      new Actions(browser.driver()).sendKeys(Keys.F8).perform();
      assertThat(invocation.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      browser.await(WAIT, "the execution line to go",
          d -> browser.deep(".cm-executionLine") == null ? true : null);
    }
    assertThat(session.state()).isEqualTo(SessionState.ATTACHED);
    assertThat(browser.deep("#tether-disconnected")).as("no disconnect banner yet").isNull();

    // An admin ends the window: the developer reads why in DevTools, as in an instance window.
    String admin = tether.relay().tokenIssuer().userToken(
        "carol", Role.ADMIN, List.of(), EnumSet.allOf(Mode.class), Duration.ofHours(1));
    assertThat(tether.api("DELETE", "/api/admin/sessions/" + session.id()
        + "?reason=load%20test%20starting", admin, null).statusCode()).isEqualTo(200);
    WebElement banner = browser.await(WAIT, "the disconnect banner",
        d -> browser.deep("#tether-disconnected"));
    assertThat(banner.getAttribute("data-code")).isEqualTo("4003");
    assertThat(banner.getText()).contains("An admin terminated this session")
        .contains("load test starting");
    browser.screenshot(step + "-function-window-terminated");

    // node_app.html's Connection panel shows the Node.js logo from nodejs.org, which the relay's
    // CSP rightly blocks (hosted DevTools loads nothing from elsewhere); anything else is a fault.
    assertThat(browser.consoleErrors()).as("CSP violations or failed loads in hosted DevTools")
        .noneMatch(m -> (m.contains("Content Security Policy") && !m.contains("nodejs.org/static"))
            || m.contains("Failed to load"));
  }

  private static Session attached() {
    return tether.relay().sessions().live().stream()
        .filter(s -> s.state() == SessionState.ATTACHED)
        .findFirst().orElse(null);
  }
}
