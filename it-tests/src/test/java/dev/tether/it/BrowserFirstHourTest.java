package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.relay.auth.Mode;
import dev.tether.relay.auth.Role;
import dev.tether.relay.session.Session;
import dev.tether.relay.session.SessionState;
import dev.tether.testkit.browser.Browser;
import dev.tether.testkit.cdp.CdpClient;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * A newcomer's first hour in Chromium: every link the console hands out works (the Debug tab
 * holds no user token, and the panel's links attach other debuggers after it), the reason an
 * admin gives for terminating a session reaches the developer in DevTools and in the console, and
 * every command the pages print works when pasted into a shell.
 */
@Timeout(240)
class BrowserFirstHourTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @RegisterExtension static final TetherStack tether = TetherStack.perClass();
  private static TetherStack.Function orders;
  @RegisterExtension static final Browser browser = Browser.perClass("first-hour");

  @BeforeAll
  static void start() throws Exception {
    orders = tether.startFunction("orders");
  }

  /** Each test starts from the console tab alone, with no session left from the one before. */
  @AfterEach
  void closeOtherTabs() {
    String first = browser.driver().getWindowHandles().iterator().next();
    for (String tab : browser.driver().getWindowHandles()) {
      if (!tab.equals(first)) {
        browser.driver().switchTo().window(tab).close();
      }
    }
    browser.driver().switchTo().window(first);
    tether.relay().sessions().live().forEach(s -> tether.relay().sessions()
        .end(s, dev.tether.relay.session.EndReason.CLOSED, "test over", "test"));
  }

  @Test
  void theDevToolsTabHoldsNoTokenAndThePanelsWebSocketUrlAttachesASecondClient() throws Exception {
    String console = openConsoleAndDebug("alice");

    // The DevTools tab was opened with noopener: no opener, no copy of the console's storage.
    String devtoolsTab = browser.switchToNewTab(console, WAIT);
    browser.await(WAIT, "hosted DevTools", d -> d.getCurrentUrl().contains("/devtools/tether_app.html") ? true : null);
    Session first = browser.await(WAIT, "the Debug session to attach", d -> attached("alice", 1));
    assertThat((Object) browser.script("return window.opener")).as("window.opener").isNull();
    assertThat((Long) browser.script("return sessionStorage.length")).as("sessionStorage entries").isZero();
    assertThat((Object) browser.script("return sessionStorage.getItem('tether.userToken')")).isNull();
    browser.screenshot("1-devtools-attached");

    // The console's links are minted on demand, for a session of their own: they work after the tab.
    browser.driver().switchTo().window(console);
    browser.await(WAIT, "the panel to see DevTools attached",
        d -> text("#session .session-status").contains("attached") ? true : null);
    browser.driver().findElement(By.id("session-links")).click();
    String url = browser.await(WAIT, "the WebSocket URL", d -> value("session-ws"));
    assertThat(url).startsWith(tether.relay().wsUri("/devtools/").toString());
    browser.screenshot("2-links-shown");
    try (CdpClient second = CdpClient.connect(URI.create(url))) {
      JsonNode reply = second.send("Runtime.evaluate", "expression", "6 * 7", "returnByValue", true);
      assertThat(reply.path("result").path("value").asInt()).isEqualTo(42);
      browser.await(WAIT, "two attached sessions", d -> attached("alice", 2));
      assertThat(first.state()).as("the Debug tab's session").isEqualTo(SessionState.ATTACHED);

      // That link is spent now: the panel takes it away and mints a fresh one when asked.
      browser.await(WAIT, "the panel to count the other debugger",
          d -> text("#session .other-clients").contains("1 other debugger is attached") ? true : null);
      assertThat(value("session-ws")).as("the spent link is no longer shown").isNull();
      browser.driver().findElement(By.id("session-links")).click();
      String fresh = browser.await(WAIT, "a fresh WebSocket URL", d -> value("session-ws"));
      assertThat(fresh).isNotEqualTo(url);
      try (CdpClient third = CdpClient.connect(URI.create(fresh))) {
        assertThat(third.send("Runtime.evaluate", "expression", "1 + 1").path("result")
            .path("value").asInt()).isEqualTo(2);
      }
      String vscode = browser.driver().findElement(By.id("session-vscode")).getText();
      assertThat(CdpClient.JSON.readTree(vscode).path("websocketAddress").asText()).isEqualTo(fresh);
    }
    browser.screenshot("3-fresh-links");
    assertThat(browser.consoleErrors()).as("console errors on the console page").isEmpty();

    // Closing the DevTools tab: the panel says so and opens DevTools again with a new ticket.
    browser.driver().switchTo().window(devtoolsTab).close();
    browser.driver().switchTo().window(console);
    browser.await(WAIT, "the panel to see the tab gone",
        d -> text("#session .session-status").contains("closed or lost") ? true : null);
    browser.driver().findElement(By.id("session-reopen")).click();
    browser.switchToNewTab(console, WAIT);
    browser.await(WAIT, "the Debug session to attach again",
        d -> first.state() == SessionState.ATTACHED ? true : null);
    browser.await(WAIT, "the DevTools UI", d -> browser.deep("#tab-sources"));
    assertThat(browser.deep("#tether-disconnected")).as("no disconnect banner").isNull();
  }

  @Test
  void anAdminsTerminationReasonReachesTheDeveloperInDevToolsAndInTheConsole() throws Exception {
    String console = openConsoleAndDebug("bob");
    browser.switchToNewTab(console, WAIT);
    Session session = browser.await(WAIT, "the session to attach", d -> attached("bob", 1));
    browser.await(WAIT, "the DevTools UI", d -> browser.deep("#tab-sources"));

    String admin = tether.relay().tokenIssuer().userToken(
        "carol", Role.ADMIN, List.of(), EnumSet.allOf(Mode.class), Duration.ofHours(1));
    String reason = "production incident, debugging paused";
    assertThat(tether.api("DELETE", "/api/admin/sessions/" + session.id() + "?reason="
        + URLEncoder.encode(reason, StandardCharsets.UTF_8), admin, null).statusCode())
        .isEqualTo(200);

    WebElement banner = browser.await(WAIT, "the disconnect banner",
        d -> browser.deep("#tether-disconnected"));
    assertThat(banner.getAttribute("data-code")).isEqualTo("4003");
    assertThat(banner.getText())
        .contains("An admin terminated this session")
        .contains("terminated by admin carol: " + reason)
        .contains("go back to the Tether console");
    browser.screenshot("4-devtools-terminated");

    // DevTools' own "Reconnect" reloads the page with the spent ticket: the banner says why it fails.
    browser.driver().navigate().refresh();
    WebElement refused = browser.await(WAIT, "the refused-link banner",
        d -> browser.deep("#tether-disconnected"));
    assertThat(refused.getText()).contains("The relay refused this DevTools link")
        .contains("already used");
    browser.screenshot("5-devtools-reconnect-refused");

    browser.driver().switchTo().window(console);
    browser.await(WAIT, "the console to show the termination",
        d -> text("#session h2").contains("terminated") ? true : null);
    assertThat(text("#session")).contains("terminated by admin carol: " + reason);
    assertThat(browser.driver().findElements(By.xpath("//section[@id='session']//button[.='End session']")))
        .as("no End session button for an ended session").isEmpty();
    browser.screenshot("6-console-terminated");
  }

  @Test
  void everyCommandTheConsoleAndAdminPagesPrintWorksWhenPastedIntoAShell() throws Exception {

    // The console's sign-in hint, pasted: a developer token this relay accepts.
    openSignedOut(tether.relay().uri("/").toString());
    String userCommand = browser.await(WAIT, "the filled-in token command",
        d -> text("#token-command").contains("--data-dir") ? text("#token-command") : null);
    assertThat(userCommand).contains("--data-dir " + tether.dataDir()).doesNotContain("RELAY_DATA_DIR");
    browser.screenshot("7-signin-hint");
    String userToken = run(userCommand);
    browser.open(tether.relay().uri("/") + "#token=" + userToken);
    browser.await(WAIT, "the orders card for the pasted token",
        d -> browser.deep("article.function[aria-labelledby='fn-orders']"));
    assertThat(text("#identity-meta")).as("the header names the user once, no 'developer · developer'")
        .doesNotContain("developer");
    browser.script("sessionStorage.clear()");

    // The admin page's hint, pasted: an admin token for the admin API.
    openSignedOut(tether.relay().uri("/admin/").toString());
    String adminCommand = browser.await(WAIT, "the filled-in admin token command",
        d -> text("#token-command").contains("--data-dir") ? text("#token-command") : null);
    assertThat(adminCommand).contains("--role admin");
    String adminToken = run(adminCommand);
    assertThat(tether.api("GET", "/api/admin/sessions", adminToken, null).statusCode()).isEqualTo(200);
    browser.script("sessionStorage.clear()");

    // The empty list's shim example, pasted: its function comes online in the console.
    browser.open(tether.relay().uri("/") + "#token=" + tether.userToken("dana", List.of("greeter")));
    String shimCommand = browser.await(WAIT, "the filled-in shim command",
        d -> text("#shim-command").contains("--data-dir") ? text("#shim-command") : null);
    assertThat(shimCommand).as("made for the function dana's token grants")
        .contains("--function greeter").doesNotContain("AGENT_TOKEN ").doesNotContain("--token");
    browser.screenshot("8-empty-list-hint");
    try (ShellScript shim = ShellScript.start(shimCommand + "\n")) {
      browser.await(Duration.ofSeconds(60), "the pasted shim's function online",
          d -> text("#function-list").contains("1 instance online") ? true : null);
      browser.screenshot("9-pasted-shim-online");
    }
    browser.script("sessionStorage.clear()");
  }

  /** Runs one pasted command; its standard output, trimmed. */
  private static String run(String command) throws Exception {
    try (ShellScript shell = ShellScript.start(command + "\n")) {
      assertThat(shell.await(Duration.ofSeconds(60))).as("exit status of %s; stderr: %s", command,
          shell.stderr()).isEqualTo(0);
      return shell.stdout().trim();
    }
  }

  /** The page as a newcomer sees it: no token left in this tab from an earlier test. */
  private static void openSignedOut(String url) {
    browser.open(url);
    browser.script("sessionStorage.clear()");
    browser.driver().navigate().refresh();
  }

  private static String openConsoleAndDebug(String user) {
    browser.open(tether.relay().uri("/") + "#token=" + tether.userToken(user, List.of("orders*")));
    String console = browser.driver().getWindowHandle();
    // The list re-renders when the relay reports a change: find the card anew each time.
    WebElement card = browser.await(WAIT, "the instance row", d -> {
      WebElement found = browser.deep("article.function[aria-labelledby='fn-orders']");
      return found != null && found.getText().contains(orders.instanceId()) ? found : null;
    });
    // One instance: its session's links speak CDP to that instance (Runtime.evaluate below).
    card.findElement(By.cssSelector(
        "button[aria-label='Debug instance " + orders.instanceId() + " of orders']")).click();
    return console;
  }

  /** The {@code n}th session of {@code user} to be attached, once {@code n} are. */
  private static Session attached(String user, int n) {
    List<Session> live = tether.relay().sessions().live().stream()
        .filter(s -> s.subject().equals(user) && s.state() == SessionState.ATTACHED).toList();
    return live.size() >= n ? live.get(0) : null;
  }

  private static String text(String selector) {
    List<WebElement> found = browser.driver().findElements(By.cssSelector(selector));
    return found.isEmpty() ? "" : found.get(0).getText();
  }

  private static String value(String id) {
    List<WebElement> found = browser.driver().findElements(By.id(id));
    return found.isEmpty() ? null : found.get(0).getAttribute("value");
  }
}
