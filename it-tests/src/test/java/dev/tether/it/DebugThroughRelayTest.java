package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.testkit.cdp.CdpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A developer debugs the real sample function through the real relay and shim. */
@Timeout(120)
class DebugThroughRelayTest {
  @RegisterExtension static final TetherStack tether = TetherStack.perClass();
  private static TetherStack.Function orders;
  private static String alice;

  @BeforeAll
  static void startRelayAndFunction() throws Exception {
    orders = tether.startFunction("orders");
    alice = tether.userToken("alice", List.of("orders*"));
  }

  @Test
  void aBreakpointPausesTheInvocationOnItsLineAndTheLocalsCanBeEvaluated() throws Exception {
    int line = TetherStack.lineOf("examples/orders/handler.js", "const tax =");
    try (CdpClient devtools = CdpClient.connect(tether.openSession(alice, "orders"))) {
      devtools.send("Runtime.enable");
      devtools.send("Debugger.enable");
      JsonNode breakpoint =
          devtools.send("Debugger.setBreakpointByUrl", "lineNumber", line, "urlRegex", "handler\\.js$");
      assertThat(breakpoint.path("breakpointId").asText()).isNotEmpty();

      CompletableFuture<HttpResponse<String>> invocation =
          orders.invoke("{\"customer\":\"bob\",\"items\":[{\"unitPrice\":10,\"quantity\":2}]}");
      JsonNode paused = devtools.awaitEvent("Debugger.paused", Duration.ofSeconds(20));
      JsonNode frame = paused.path("params").path("callFrames").get(0);

      assertThat(frame.path("functionName").asText()).isEqualTo("handler");
      assertThat(frame.path("location").path("lineNumber").asInt()).isEqualTo(line);
      assertThat(urlOfScript(devtools, frame.path("location").path("scriptId").asText()))
          .endsWith("examples/orders/handler.js");
      assertThat(invocation).as("the invocation waits at the breakpoint").isNotDone();

      JsonNode subtotal =
          devtools.send(
              "Debugger.evaluateOnCallFrame",
              "callFrameId", frame.path("callFrameId").asText(),
              "expression", "subtotal + ':' + event.customer");
      assertThat(subtotal.path("result").path("value").asText()).isEqualTo("20:bob");

      devtools.send("Debugger.resume");
      devtools.awaitEvent("Debugger.resumed", Duration.ofSeconds(10));
      HttpResponse<String> response = invocation.get();
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(CdpClient.JSON.readTree(response.body()).path("total").asDouble()).isEqualTo(24.0);
    }
  }

  @Test
  void twoSessionsOnOneInstanceEachGetOnlyTheirOwnReplies() throws Exception {
    try (CdpClient first = CdpClient.connect(tether.openSession(alice, "orders"));
        CdpClient second = CdpClient.connect(tether.openSession(alice, "orders"))) {
      // Both clients use the same command ids; without one inspector session per stream their
      // replies would cross.
      CompletableFuture<JsonNode> one =
          first.sendAsync("Runtime.evaluate", CdpClient.params("expression", "'first:' + (6*7)"));
      CompletableFuture<JsonNode> two =
          second.sendAsync("Runtime.evaluate", CdpClient.params("expression", "'second:' + (7*7)"));

      assertThat(one.get().path("result").path("value").asText()).isEqualTo("first:42");
      assertThat(two.get().path("result").path("value").asText()).isEqualTo("second:49");

      // A second round trip on each proves nothing else was queued for them before it.
      first.send("Runtime.evaluate", "expression", "1");
      second.send("Runtime.evaluate", "expression", "1");
      assertThat(first.received()).extracting(m -> m.path("id").asInt()).containsExactly(1, 2);
      assertThat(second.received()).extracting(m -> m.path("id").asInt()).containsExactly(1, 2);
    }
  }

  @Test
  void aFiveMegabyteScriptSourcePassesBothWays() throws Exception {
    String source = "/*" + "x".repeat(5 * 1024 * 1024) + "*/ 'big'\n//# sourceURL=big-script.js";
    try (CdpClient devtools = CdpClient.connect(tether.openSession(alice, "orders"))) {
      devtools.send("Debugger.enable");

      JsonNode evaluated = devtools.send(
          "Runtime.evaluate", CdpClient.params("expression", source), Duration.ofSeconds(60));
      assertThat(evaluated.path("result").path("value").asText()).isEqualTo("big");

      JsonNode parsed = awaitScriptParsed(devtools, "big-script.js");
      JsonNode fetched = devtools.send(
          "Debugger.getScriptSource",
          CdpClient.params("scriptId", parsed.path("params").path("scriptId").asText()),
          Duration.ofSeconds(60));
      assertThat(fetched.path("scriptSource").asText()).isEqualTo(source);
    }
  }

  @Test
  void theFunctionListShowsTheLiveInstance() throws Exception {
    HttpResponse<String> response = tether.api("GET", "/api/functions", alice, null);

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode functions = CdpClient.JSON.readTree(response.body());
    assertThat(functions).hasSize(1);
    assertThat(functions.get(0).path("function").asText()).isEqualTo("orders");
    JsonNode instance = functions.get(0).path("instances").get(0);
    assertThat(instance.path("id").asText()).isEqualTo(orders.instanceId());
    assertThat(instance.path("runtime").asText()).startsWith("node");
  }

  /** The URL DevTools shows for a script: the one its Debugger.scriptParsed event announced. */
  private static String urlOfScript(CdpClient devtools, String scriptId) {
    return devtools.received().stream()
        .filter(m -> "Debugger.scriptParsed".equals(m.path("method").asText()))
        .filter(m -> scriptId.equals(m.path("params").path("scriptId").asText()))
        .map(m -> m.path("params").path("url").asText())
        .findFirst()
        .orElseThrow(() -> new AssertionError("no Debugger.scriptParsed for script " + scriptId));
  }

  private static JsonNode awaitScriptParsed(CdpClient devtools, String url) {
    while (true) {
      JsonNode event = devtools.awaitEvent("Debugger.scriptParsed", Duration.ofSeconds(30));
      if (event.path("params").path("url").asText().equals(url)) {
        return event;
      }
    }
  }
}
