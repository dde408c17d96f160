package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.relay.auth.Mode;
import dev.tether.relay.auth.Role;
import dev.tether.testkit.browser.Browser;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.socket.Closed;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;

/**
 * An admin in Chromium against a real relay and real functions: a developer's token is turned
 * away with a clear message; the admin sees a developer's live DevTools session, reads its
 * timeline, narrows the audit history with filters, and terminates the session with a reason
 * that reaches the developer's DevTools and the audit trail.
 */
@Timeout(90)
class BrowserAdminTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String FIRST = "globalThis.tetherStep = 'inspect-orders'";
  private static final String SECOND = "globalThis.tetherStep + ':' + (6 * 7)";
  private static final String REASON = "security review of orders";

  @RegisterExtension static final TetherStack tether = TetherStack.perClass();
  @RegisterExtension static final Browser browser = Browser.perClass("admin");

  @BeforeAll
  static void start() throws Exception {
    tether.startFunction("orders");
    tether.startFunction("billing");
  }

  @Test
  void anAdminWatchesReadsFiltersAndTerminatesADevelopersSession() throws Exception {
    TetherStack.Session alices = tether.createSession(tether.userToken("alice", List.of("orders")), "orders");
    TetherStack.Session bobs = tether.createSession(tether.userToken("bob", List.of("billing")), "billing");
    try (CdpClient alice = CdpClient.connect(alices.webSocketDebuggerUrl());
        CdpClient bob = CdpClient.connect(bobs.webSocketDebuggerUrl())) {
      alice.send("Runtime.evaluate", "expression", FIRST);
      assertThat(alice.send("Runtime.evaluate", "expression", SECOND)
          .path("result").path("value").asText()).isEqualTo("inspect-orders:42");
      bob.send("Runtime.evaluate", "expression", "1 + 1");

      // 1. A developer's token gets a sentence, not a broken page, and no API call is made.
      browser.open(tether.relay().uri("/admin/") + "#token=" + tether.userToken("dave", List.of("*")));
      WebElement refused = browser.await(WAIT, "the sign-in error",
          d -> visible(By.id("signin-error")));
      assertThat(refused.getText()).contains("dave is not an admin", "Functions page");
      assertThat(browser.driver().findElement(By.id("live")).isDisplayed()).isFalse();
      assertThat(visible(By.cssSelector(".topbar nav a[data-view]")))
          .as("no links to admin views before signing in").isNull();
      browser.screenshot("1-developer-refused");
      assertThat(browser.consoleErrors()).as("console errors for a developer").isEmpty();

      // 2. Signed in from a #token= link, the admin sees both live sessions with their traffic.
      browser.open(tether.relay().uri("/admin/") + "#token=" + adminToken());
      WebElement row = browser.await(WAIT, "alice's live session", d -> liveRow(alices.id()));
      assertThat(browser.driver().getCurrentUrl()).as("the token leaves the address bar")
          .doesNotContain("token");
      assertThat(browser.driver().findElement(By.id("identity-sub")).getText()).isEqualTo("carol");
      assertThat(row.getText()).contains("alice", "orders", "attached");
      assertThat(row.findElements(By.cssSelector("td.num")).get(0).getText()).startsWith("2 / ");
      browser.await(WAIT, "bob's live session", d -> liveRow(bobs.id()));
      browser.screenshot("2-live-sessions");

      // 3. Alice's timeline lists her commands in the order she sent them.
      assertThat(tether.relay().audit().flush(WAIT)).isTrue();
      row.findElement(By.linkText("Timeline")).click();
      List<WebElement> commands = browser.await(WAIT, "two commands in the timeline", d -> {
        List<WebElement> found = d.findElements(
            By.cssSelector("#timeline-list li[data-type='cdp.command'] .details"));
        return found.size() == 2 ? found : null;
      });
      assertThat(commands.get(0).getText()).contains("Runtime.evaluate", "inspect-orders");
      assertThat(commands.get(1).getText()).contains("Runtime.evaluate", "(6 * 7)");
      assertThat(browser.driver().findElement(By.id("timeline-summary")).getText())
          .contains("alice", "orders", "still live");
      browser.screenshot("3-timeline");

      // 4. The history narrows by user, then by function and event type.
      browser.driver().findElement(By.cssSelector(".topbar nav a[data-view='history']")).click();
      int everything = browser.await(WAIT, "the audit history", d -> historyRows().size() > 0
          ? historyRows().size() : null);
      browser.screenshot("4-history");
      browser.driver().findElement(By.id("f-user")).sendKeys("alice");
      browser.driver().findElement(By.cssSelector("#filters button[type='submit']")).click();
      List<WebElement> alicesEvents = browser.await(WAIT, "only alice's events",
          d -> historyRows().size() < everything && historyRows().stream()
              .allMatch(r -> cell(r, 2).startsWith("alice")) ? historyRows() : null);
      assertThat(alicesEvents).isNotEmpty();
      browser.driver().findElement(By.id("f-clear")).click();
      browser.driver().findElement(By.id("f-function")).sendKeys("billing");
      new Select(browser.driver().findElement(By.id("f-type"))).selectByValue("cdp.command");
      browser.driver().findElement(By.id("f-function")).sendKeys(Keys.ENTER);
      WebElement bobsCommand = browser.await(WAIT, "bob's one command", d -> {
        List<WebElement> rows = historyRows();
        return rows.size() == 1 && cell(rows.get(0), 2).startsWith("bob") ? rows.get(0) : null;
      });
      assertThat(cell(bobsCommand, 4)).contains("Runtime.evaluate", "1 + 1");
      assertThat(browser.driver().findElement(By.id("history-status")).getText()).startsWith("1 event");
      browser.screenshot("5-history-filtered");

      // 5. Terminate from the live list: the dialog takes the reason from the keyboard.
      browser.driver().findElement(By.cssSelector(".topbar nav a[data-view='live']")).click();
      browser.await(WAIT, "alice's row again", d -> liveRow(alices.id()))
          .findElement(By.cssSelector("button.danger")).click();
      browser.await(WAIT, "the terminate dialog", d -> visible(By.id("terminate-dialog")));
      assertThat(browser.driver().switchTo().activeElement().getAttribute("id"))
          .as("focus starts in the reason").isEqualTo("terminate-reason");
      assertThat(browser.driver().findElement(By.id("terminate-who")).getText())
          .contains("alice", "orders");
      new Actions(browser.driver()).sendKeys(REASON).perform();
      browser.screenshot("6-terminate-dialog");
      browser.driver().findElement(By.id("terminate-confirm")).click();

      Closed closed = alice.awaitClose(WAIT);
      assertThat(closed.code()).isEqualTo(4003);
      assertThat(closed.reason()).contains("carol", REASON);
      WebElement notice = browser.await(WAIT, "the terminated notice", d -> visible(By.id("notice")));
      assertThat(notice.getText()).contains("Session terminated");
      browser.await(WAIT, "alice's row to go", d -> liveRow(alices.id()) == null);
      assertThat(liveRow(bobs.id())).as("bob's session is untouched").isNotNull();
      assertThat(bob.isClosed()).isFalse();
      browser.screenshot("7-terminated");

      // 6. The notice leads to the timeline, which now ends with the termination by carol.
      assertThat(tether.relay().audit().flush(WAIT)).isTrue();
      notice.findElement(By.linkText("Open its timeline")).click();
      WebElement ended = browser.await(WAIT, "the ended event",
          d -> visible(By.cssSelector("#timeline-list li[data-type='session.ended']")));
      assertThat(ended.getText()).contains("terminated by admin carol: " + REASON);
      assertThat(visible(By.id("notice"))).as("the notice stays with the live list").isNull();
      assertThat(browser.driver().findElement(By.id("timeline-summary")).getText())
          .contains("terminated by carol");
      browser.screenshot("8-ended-timeline");
      assertThat(browser.consoleErrors()).as("console errors on the admin pages").isEmpty();
    }

    JsonNode ended = audit("session=" + alices.id() + "&type=session.ended").path(0);
    assertThat(ended.path("actor").asText()).isEqualTo("carol");
    assertThat(ended.path("details").path("reason").asText()).isEqualTo("terminated");
    assertThat(ended.path("details").path("message").asText()).contains(REASON);
  }

  private static String adminToken() {
    return tether.relay().tokenIssuer().userToken(
        "carol", Role.ADMIN, List.of(), EnumSet.allOf(Mode.class), Duration.ofHours(1));
  }

  private static JsonNode audit(String query) throws Exception {
    assertThat(tether.relay().audit().flush(WAIT)).isTrue();
    HttpResponse<String> response =
        tether.api("GET", "/api/admin/audit?" + query, adminToken(), null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return CdpClient.JSON.readTree(response.body()).path("events");
  }

  /** The element if it is on the page and shown, else null (to keep waiting). */
  private static WebElement visible(By by) {
    return browser.driver().findElements(by).stream()
        .filter(WebElement::isDisplayed).findFirst().orElse(null);
  }

  private static WebElement liveRow(String sessionId) {
    return visible(By.cssSelector("#live-table tr[data-session='" + sessionId + "']"));
  }

  private static List<WebElement> historyRows() {
    return browser.driver().findElements(By.cssSelector("#history-table tbody tr"));
  }

  private static String cell(WebElement row, int column) {
    return row.findElements(By.tagName("td")).get(column).getText();
  }
}
