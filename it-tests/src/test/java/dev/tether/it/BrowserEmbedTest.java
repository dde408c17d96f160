package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.relay.session.SessionState;
import dev.tether.testkit.browser.Browser;
import dev.tether.testkit.cdp.CdpClient;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.interactions.Actions;

/**
 * {@code <tether-debug-button>} on other companies' consoles: one whose origin the relay lists in
 * consoleOrigins opens the hosted DevTools; one it does not list can use neither the API (CORS)
 * nor a DevTools socket (403), even holding a valid ticket.
 */
@Timeout(180)
class BrowserEmbedTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static HostConsole listed;
  private static HostConsole unlisted;
  private static TetherStack tether;
  @RegisterExtension static final Browser browser = Browser.perClass("embed");
  private static String alice;
  private String home;

  @BeforeAll
  static void start() throws Exception {
    listed = HostConsole.start();
    unlisted = HostConsole.start();
    tether = TetherStack.start(config -> config.consoleOrigins(List.of(listed.origin())));
    tether.startFunction("orders");
    alice = tether.userToken("alice", List.of("orders"));
    URI relay = tether.relay().uri("/");
    listed.serve(relay, alice);
    unlisted.serve(relay, alice);
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable closeable : new AutoCloseable[] {tether, listed, unlisted}) {
      try {
        if (closeable != null) {
          closeable.close();
        }
      } catch (Exception e) {
        // keep closing the others
      }
    }
  }

  /** Closes the tabs a test opened, so the next one starts with one tab. */
  @AfterEach
  void closeOtherTabs() {
    if (home == null) {
      return;
    }
    for (String tab : browser.driver().getWindowHandles()) {
      if (!tab.equals(home)) {
        browser.driver().switchTo().window(tab).close();
      }
    }
    browser.driver().switchTo().window(home);
  }

  @Test
  void aListedConsoleEmbedsTheButtonAndItOpensAttachedDevToolsFromTheKeyboard() {
    browser.open(listed.url("/"));
    home = browser.driver().getWindowHandle();
    browser.await(WAIT, "the button to be defined",
        d -> browser.script("return customElements.get('tether-debug-button') !== undefined"));
    browser.screenshot("1-listed-console");

    // A keyboard user: Tab reaches the button inside its shadow root, Enter activates it.
    new Actions(browser.driver()).sendKeys(Keys.TAB).perform();
    assertThat((String) browser.script("return document.activeElement.id + ' > '"
            + " + document.activeElement.shadowRoot?.activeElement?.tagName"))
        .isEqualTo("debug > BUTTON");
    browser.screenshot("2-button-focused");
    new Actions(browser.driver()).sendKeys(Keys.ENTER).perform();

    browser.switchToNewTab(home, WAIT);
    // Without an instance attribute the button debugs the function: the hosted Node front end.
    browser.await(WAIT, "hosted DevTools",
        d -> d.getCurrentUrl().startsWith(tether.relay().uri("/devtools/tether_node_app.html?ws=").toString()));
    browser.await(WAIT, "the session to attach", d -> tether.relay().sessions().live().stream()
        .anyMatch(s -> s.state() == SessionState.ATTACHED));
    browser.await(WAIT, "the DevTools UI", d -> browser.deep("#tab-console"));
    browser.screenshot("3-devtools-from-embed");

    browser.driver().switchTo().window(home);
    browser.await(WAIT, "the host page's status",
        d -> (String) browser.script("return document.getElementById('status').textContent || null"));
    browser.screenshot("4-listed-console-after");
    // The DevTools tab's log is read too: node_app.html's Connection panel asks for the Node.js
    // logo from nodejs.org, which the relay's CSP rightly blocks; nothing else may fail.
    assertThat(browser.consoleErrors()).as("console errors on the listed console")
        .allMatch(m -> m.contains("nodejs.org/static/images"));
  }

  @Test
  void anUnlistedConsoleCanUseNeitherTheApiNorTheDevToolsSocket() throws Exception {
    browser.open(unlisted.url("/"));
    home = browser.driver().getWindowHandle();
    browser.await(WAIT, "the button to be defined",
        d -> browser.script("return customElements.get('tether-debug-button') !== undefined"));

    // The API: the browser blocks the POST (no CORS headers for this origin); the button says why.
    browser.deep("tether-debug-button").click();
    String error = browser.await(WAIT, "the button's error",
        d -> (String) browser.script(
            "return document.getElementById('debug').shadowRoot.querySelector('.error').textContent || null"));
    assertThat(error).contains("Cannot reach the Tether relay").contains(unlisted.origin());
    browser.await(WAIT, "the placeholder tab to close",
        d -> d.getWindowHandles().size() == 1 ? true : null);
    browser.screenshot("5-unlisted-console-refused");
    assertThat(browser.consoleErrors()).as("the browser blocked the API call")
        .anyMatch(m -> m.contains("CORS"));

    // The DevTools socket: even with a valid ticket the relay answers the upgrade with 403.
    String webSocketUrl = tether.createSession(alice, "orders").webSocketDebuggerUrl().toString();
    Map<String, Object> outcome = Browser.map(((JavascriptExecutor) browser.driver()).executeAsyncScript("""
        const done = arguments[arguments.length - 1];
        const socket = new WebSocket(arguments[0]);
        socket.onopen = () => { done({ opened: true }); socket.close(); };
        socket.onclose = (e) => done({ opened: false, code: e.code });
        """, webSocketUrl));
    assertThat(outcome).containsEntry("opened", false);
    assertThat(browser.consoleErrors()).as("the relay refused the upgrade with 403")
        .anyMatch(m -> m.contains("403"));

    // The refusal came before the ticket was redeemed: a client without an Origin still attaches.
    try (CdpClient devtools = CdpClient.connect(URI.create(webSocketUrl))) {
      assertThat(devtools.send("Runtime.evaluate", "expression", "6*7")
          .path("result").path("value").asInt()).isEqualTo(42);
    }
  }
}
