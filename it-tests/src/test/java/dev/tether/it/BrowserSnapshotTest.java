package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.relay.auth.Mode;
import dev.tether.relay.auth.Role;
import dev.tether.testkit.browser.Browser;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * A developer in Chromium sets a snapshot point from the console, picking the script and the line,
 * invokes the function, and reads the hit: the call stack and the captured scopes as a tree, the
 * password masked, while the function answered without waiting for anyone.
 */
@Timeout(180)
class BrowserSnapshotTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @RegisterExtension static final TetherStack tether = TetherStack.perClass();
  @RegisterExtension static final Browser browser = Browser.perClass("snapshot");

  /** Each test's sign-in is a new page load, not a change of the fragment on the last one. */
  @BeforeEach
  void blankPage() {
    browser.open("about:blank");
  }

  @Test
  void theConsoleSetsAPointByScriptAndLineAndShowsAHitsStackAndLocals() throws Exception {
    TetherStack.Function function = tether.startFunction("orders");
    String alice = tether.userToken("alice", List.of("orders"));
    int line = TetherStack.lineOf("examples/orders/handler.js", "return { statusCode") + 1;

    browser.open(tether.relay().uri("/") + "#token=" + alice);
    WebElement card = browser.await(WAIT, "the orders card",
        d -> browser.deep("article.function[aria-labelledby='fn-orders']"));
    card.findElement(By.cssSelector("details.snapshots > summary")).click();
    browser.await(WAIT, "the snapshot form", d -> browser.deep("button.snapshot-load")).click();
    browser.await(WAIT, "the function's scripts listed", d -> {
      for (WebElement option : browser.deepAll("select.snapshot-script option")) {
        if (option.getAttribute("value").endsWith("/examples/orders/handler.js")) {
          return option;
        }
      }
      return null;
    });
    Select script = new Select(browser.deep("select.snapshot-script"));
    for (WebElement option : script.getOptions()) {
      if (option.getAttribute("value").endsWith("/examples/orders/handler.js")) {
        script.selectByValue(option.getAttribute("value"));
      }
    }
    WebElement lineInput = browser.deep("input.snapshot-line");
    lineInput.clear();
    lineInput.sendKeys(String.valueOf(line));
    browser.deep("form.snapshot-form button[type=submit]").click();
    browser.await(WAIT, "the point listed", d -> browser.deep("li.snapshot-point.status-active"));

    // The point reaches the instance a moment after it is listed: invoke until it has hit.
    WebElement hit = browser.await(WAIT, "the hit's stack and scopes", d -> {
      WebElement article = browser.deep("article.snapshot-hit");
      if (article != null && article.getText().contains("total")) {
        return article;
      }
      try {
        String answer = function.invoke("{\"customer\":\"ada\",\"password\":\"hunter2\","
            + "\"items\":[{\"unitPrice\":10,\"quantity\":2}]}").get().body();
        assertThat(answer).contains("\"total\":24");
      } catch (Exception e) {
        throw new AssertionError(e);
      }
      return null;
    });
    for (WebElement summary : hit.findElements(By.cssSelector(".scope-vars summary"))) {
      if (summary.getText().startsWith("event")) {
        summary.click();
      }
    }
    browser.await(WAIT, "the event's fields", d -> hit.getText().contains("customer") ? true : null);
    browser.screenshot("1-snapshot-hit");

    String text = hit.getText();
    assertThat(text).contains("Call stack").contains("handler")
        .contains("orders/handler.js:" + line)
        .contains("Local")
        .contains("total: 24").contains("subtotal: 20")
        .contains("password: [redacted]")
        .doesNotContain("hunter2");
    assertThat(browser.page()).doesNotContain("hunter2");
    assertThat(browser.consoleErrors()).as("console errors on the console page").isEmpty();
  }

  @Test
  void aReadOnlyUsersConditionIsRefusedAndTheRelaysReasonShowsUnderTheForm() throws Exception {
    tether.startFunction("orders");
    String bob = tether.relay().tokenIssuer().userToken("bob", Role.DEVELOPER, List.of("orders"),
        EnumSet.of(Mode.READONLY), Duration.ofHours(1));

    browser.open(tether.relay().uri("/") + "#token=" + bob);
    WebElement card = browser.await(WAIT, "the orders card",
        d -> browser.deep("article.function[aria-labelledby='fn-orders']"));
    card.findElement(By.cssSelector("details.snapshots > summary")).click();
    browser.await(WAIT, "the snapshot form", d -> browser.deep("button.snapshot-load")).click();
    String handler = browser.await(WAIT, "the function's scripts listed", d -> {
      for (WebElement option : browser.deepAll("select.snapshot-script option")) {
        if (option.getAttribute("value").endsWith("/examples/orders/handler.js")) {
          return option.getAttribute("value");
        }
      }
      return null;
    });
    new Select(browser.deep("select.snapshot-script")).selectByValue(handler);
    browser.deep("input.snapshot-condition").sendKeys("total > 100");
    browser.deep("form.snapshot-form button[type=submit]").click();

    WebElement notice = browser.await(WAIT, "the refusal under the form", d -> {
      WebElement error = browser.deep("form.snapshot-form p.field-error");
      return error != null && error.isDisplayed() && !error.getText().isBlank() ? error : null;
    });
    browser.screenshot("2-condition-refused");
    assertThat(notice.getText()).contains("read-only").contains("condition");
    assertThat(tether.api("GET", "/api/functions/orders/snapshots", bob, null).body())
        .doesNotContain("total > 100");
    assertThat(browser.consoleErrors()).as("only the refused POST, which the form showed")
        .singleElement().asString().contains("/snapshots").contains("403");
  }
}
