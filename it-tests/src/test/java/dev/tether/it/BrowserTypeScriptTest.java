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
 * A bundled TypeScript function in hosted DevTools: the bundle's external source map (a file: URL
 * on the function's disk) is loaded through the shim, Sources lists the original {@code .ts}
 * files, and a breakpoint set in a {@code .ts} file pauses an invocation there.
 */
@Timeout(180)
class BrowserTypeScriptTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String FIXTURE = "it-tests/src/test/resources/typescript/";

  @RegisterExtension static final TetherStack tether = TetherStack.perClass();
  @RegisterExtension static final Browser browser = Browser.perClass("typescript");
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    port = TetherStack.freePort();
    Path bundle = TetherStack.ROOT.resolve(FIXTURE + "dist/app.js");
    tether.startShim(ShimConfig.wrap(tether.relayUri("/agent").toString(),
        tether.agentToken("pricing"), "pricing",
        List.of("node", bundle.toString(), String.valueOf(port))));
    Poll.until(WAIT, "the function to serve", () -> {
      try {
        return invoke().get(5, TimeUnit.SECONDS).statusCode() == 200;
      } catch (Exception e) {
        return false;
      }
    });
  }

  @Test
  void theOriginalTypeScriptIsInSourcesAndABreakpointInItPausesThere() throws Exception {
    String alice = tether.userToken("alice", List.of("pricing"));
    TetherStack.Session session = tether.createSession(alice, "pricing");
    browser.open(session.body().path("devtoolsFrontendUrl").asText());
    browser.await(WAIT, "the DevTools UI", d -> browser.deep("#tab-sources"));

    // Sources knows pricing.ts, which exists only in the source map: Ctrl+P finds it.
    browser.deep("#tab-sources").click();
    browser.await(WAIT, "the Node file tree", d -> browser.deep("#tab-navigator-network"));
    int line = TetherStack.lineOf(FIXTURE + "src/pricing.ts", "tether:breakpoint") + 1;
    new Actions(browser.driver()).keyDown(Keys.CONTROL).sendKeys("p").keyUp(Keys.CONTROL).perform();
    browser.await(WAIT, "quick open", d -> browser.deep(".filtered-list-widget"));
    new Actions(browser.driver()).sendKeys("pricing.ts").perform();
    browser.await(WAIT, "pricing.ts in quick open",
        d -> browser.deepTexts(".filtered-list-widget-item").stream()
            .anyMatch(text -> text.contains("pricing.ts")) ? true : null);
    browser.screenshot("1-typescript-quick-open");
    new Actions(browser.driver()).sendKeys(Keys.ENTER).perform();
    browser.await(WAIT, "the TypeScript source in the editor",
        d -> browser.deepTexts(".cm-content").stream()
            .anyMatch(text -> text.contains("export function total(items: Item[]): number"))
            ? true : null);
    WebElement gutter = browser.await(WAIT, "line " + line + " of pricing.ts",
        d -> browser.deepAll(".cm-lineNumbers .cm-gutterElement").stream()
            .filter(e -> e.getText().trim().equals(Integer.toString(line)))
            .findFirst().orElse(null));
    gutter.click();
    browser.await(WAIT, "the breakpoint marker", d -> browser.deep(".cm-breakpoint"));
    browser.screenshot("2-breakpoint-in-typescript");

    // An invocation pauses on that TypeScript line.
    CompletableFuture<HttpResponse<String>> invocation = invoke();
    WebElement paused = browser.await(WAIT, "the execution line in pricing.ts",
        d -> browser.deep(".cm-executionLine"));
    assertThat(paused.getText())
        .contains("const line: number = item.unitPrice * item.quantity;");
    browser.await(WAIT, "the paused message", d -> browser.deep(".paused-message"));
    browser.screenshot("3-paused-in-typescript");
    assertThat(invocation).as("the invocation waits at the breakpoint").isNotDone();

    new Actions(browser.driver()).sendKeys(Keys.F8).perform();
    assertThat(invocation.get(20, TimeUnit.SECONDS).body()).isEqualTo("{\"total\":20}");
  }

  private static CompletableFuture<HttpResponse<String>> invoke() {
    return HttpClient.newHttpClient().sendAsync(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
            .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
