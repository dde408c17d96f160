package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.shim.ShimConfig;
import dev.tether.testkit.Poll;
import dev.tether.testkit.browser.Browser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * A developer in Chromium finds out why their function died: the console marks the crashed
 * function, and its crash report reads as the error, the stack with file:line:column, the heap
 * and the resource usage.
 */
@Timeout(180)
class BrowserCrashReportTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Path FUNCTION = TetherStack.ROOT.resolve(
      "it-tests/src/test/resources/crash/crash-function.js");

  @RegisterExtension static final TetherStack tether = TetherStack.perClass();
  @RegisterExtension static final Browser browser = Browser.perClass("crash");

  @Test
  void theConsoleMarksACrashedFunctionAndShowsItsReportReadably() throws Exception {
    int port = TetherStack.freePort();
    tether.startShim(ShimConfig.wrap(tether.relayUri("/agent").toString(),
        tether.agentToken("orders"), "orders",
        List.of("node", FUNCTION.toString(), String.valueOf(port))));
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest crash = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/throw"))
        .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.noBody()).build();
    Poll.until(WAIT, "the function to take the request", () -> {
      try {
        return http.send(crash, HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
      } catch (Exception e) {
        return false;
      }
    });
    String alice = tether.userToken("alice", List.of("orders"));
    Poll.until(WAIT, "the report at the relay", () -> {
      try {
        return tether.api("GET", "/api/functions/orders/reports", alice, null).body()
            .contains("TypeError");
      } catch (Exception e) {
        return false;
      }
    });

    browser.open(tether.relay().uri("/") + "#token=" + alice);
    WebElement card = browser.await(WAIT, "the orders card",
        d -> browser.deep("article.function[aria-labelledby='fn-orders']"));
    browser.await(WAIT, "the crashed badge",
        d -> card.getText().contains("Crashed") ? true : null);
    card.findElement(By.cssSelector("details.crash-reports > summary")).click();
    WebElement report = browser.await(WAIT, "the crash report",
        d -> browser.deep("article.crash-report"));
    browser.await(WAIT, "the report's stack",
        d -> report.getText().contains("chargeCustomer") ? true : null);
    browser.screenshot("1-crash-report");

    String text = report.getText();
    assertThat(text).contains("TypeError: Cannot read properties of undefined (reading 'card')")
        .contains("Uncaught exception")
        .contains(FUNCTION + ":")
        .contains("Heap").contains("limit")
        .contains("Resource usage").contains("RSS")
        .contains("Environment (values redacted)");
    assertThat(browser.consoleErrors()).as("console errors on the console page").isEmpty();
  }
}
