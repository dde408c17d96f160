package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.relay.auth.Mode;
import dev.tether.relay.auth.Role;
import dev.tether.relay.config.Limits;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.cdp.CdpError;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A read-only session on a real node: it can look at everything and change nothing; refusals come
 * from the relay as CDP errors; and a function left paused is resumed by the relay.
 */
@Timeout(120)
class ReadOnlySessionTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  @RegisterExtension
  static final TetherStack tether =
      TetherStack.perClass(c -> c.limits(Limits.defaults().withSessions(50, 50) .withPause(Duration.ofMillis(500), Duration.ofSeconds(1))));
  private static TetherStack.Function orders;
  private static String alice;

  @BeforeAll
  static void start() throws Exception {
    orders = tether.startFunction("orders");
    alice = tether.userToken("alice", List.of("orders"));
  }

  private static CdpClient readOnly() throws Exception {
    HttpResponse<String> created = tether.api("POST", "/api/sessions", alice,
        "{\"function\":\"orders\",\"mode\":\"readonly\"}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode body = CdpClient.JSON.readTree(created.body());
    assertThat(body.path("mode").asText()).isEqualTo("readonly");
    return CdpClient.connect(URI.create(body.path("webSocketDebuggerUrl").asText()));
  }

  private static String refusalOf(Runnable command) {
    try {
      command.run();
    } catch (CdpError error) {
      assertThat(error.error.path("code").asInt()).isEqualTo(-32000);
      return error.error.path("message").asText();
    }
    throw new AssertionError("the command was not refused");
  }

  @Test
  void pureEvaluationsWorkAndSideEffectsThrowInsteadOfHappening() throws Exception {
    try (CdpClient devtools = readOnly()) {
      assertThat(devtools.send("Runtime.evaluate", "expression", "[1,2,3].map(x => x * 2).join()")
          .path("result").path("value").asText()).isEqualTo("2,4,6");

      JsonNode write = devtools.send("Runtime.evaluate", "expression", "globalThis.hacked = 1");

      assertThat(write.path("exceptionDetails").isMissingNode()).as(write.toString()).isFalse();
      assertThat(devtools.send("Runtime.evaluate", "expression", "typeof globalThis.hacked")
          .path("result").path("value").asText()).isEqualTo("undefined");
    }
  }

  @Test
  void callFunctionOnIsRefusedAndNeverRuns() throws Exception {
    try (CdpClient devtools = readOnly()) {
      String global = devtools.send("Runtime.evaluate", "expression", "globalThis")
          .path("result").path("objectId").asText();

      assertThat(refusalOf(() -> devtools.send("Runtime.callFunctionOn", "objectId", global,
          "functionDeclaration", "function() { this.hacked2 = 1; }")))
          .startsWith("Runtime.callFunctionOn is not allowed in a read-only session");
      assertThat(devtools.send("Runtime.evaluate", "expression", "typeof globalThis.hacked2")
          .path("result").path("value").asText()).isEqualTo("undefined");
    }
  }

  @Test
  void anEndlessEvaluationIsStoppedByTheForcedTimeout() throws Exception {
    try (CdpClient devtools = readOnly()) {
      assertThatThrownBy(() -> devtools.send("Runtime.evaluate",
          CdpClient.params("expression", "for (;;) {}"), WAIT))
          .isInstanceOf(CdpError.class)
          .hasMessageContaining("Execution was terminated");
      assertThat(orders.invoke("{}").get().statusCode()).isEqualTo(200);
    }
  }

  @Test
  void codeChangingCommandsAreRefusedByTheRelayWithTheirName() throws Exception {
    try (CdpClient devtools = readOnly()) {
      devtools.send("Debugger.enable");
      String scriptId = scriptIdOf(devtools, "handler.js");

      assertThat(refusalOf(() -> devtools.send("Debugger.setScriptSource", "scriptId", scriptId,
          "scriptSource", "module.exports = { handler: async () => ({statusCode: 500}) }")))
          .isEqualTo("Debugger.setScriptSource is not allowed in a read-only session");
      assertThat(refusalOf(() -> devtools.send("Runtime.compileScript", "expression", "1",
          "sourceURL", "x.js", "persistScript", true)))
          .isEqualTo("Runtime.compileScript is not allowed in a read-only session");
      assertThat(CdpClient.JSON.readTree(orders.invoke(
          "{\"items\":[{\"unitPrice\":10,\"quantity\":2}]}").get().body()).path("total")
          .asDouble()).as("the function is unchanged").isEqualTo(24.0);
    }
    assertThat(deniedMethodsInTheAuditTrail())
        .contains("Debugger.setScriptSource", "Runtime.compileScript");
  }

  private static List<String> deniedMethodsInTheAuditTrail() throws Exception {
    assertThat(tether.relay().audit().flush(WAIT)).isTrue();
    String admin = tether.relay().tokenIssuer().userToken(
        "carol", Role.ADMIN, List.of(), EnumSet.allOf(Mode.class), Duration.ofHours(1));
    HttpResponse<String> response =
        tether.api("GET", "/api/admin/audit?type=policy.denied&user=alice", admin, null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<String> methods = new java.util.ArrayList<>();
    CdpClient.JSON.readTree(response.body()).path("events").forEach(event -> {
      assertThat(event.path("code").asText()).isEqualTo("TPO001E");
      methods.add(event.path("details").path("method").asText());
    });
    return methods;
  }

  @Test
  void plainBreakpointsPauseButConditionsAndLogpointsAreRefused() throws Exception {
    int line = TetherStack.lineOf("examples/orders/handler.js", "const tax =");
    try (CdpClient devtools = readOnly()) {
      devtools.send("Debugger.enable");
      assertThat(refusalOf(() -> devtools.send("Debugger.setBreakpointByUrl", "lineNumber", line,
          "urlRegex", "handler\\.js$", "condition", "console.log(subtotal), false")))
          .contains("with a condition is not allowed in a read-only session");

      devtools.send("Debugger.setBreakpointByUrl", "lineNumber", line, "urlRegex",
          "handler\\.js$", "condition", "");
      CompletableFuture<HttpResponse<String>> invocation = orders.invoke("{\"items\":"
          + "[{\"unitPrice\":5,\"quantity\":2}]}");
      JsonNode frame = devtools.awaitEvent("Debugger.paused", WAIT)
          .path("params").path("callFrames").get(0);
      String frameId = frame.path("callFrameId").asText();

      assertThat(devtools.send("Debugger.evaluateOnCallFrame", "callFrameId", frameId,
          "expression", "subtotal").path("result").path("value").asInt()).isEqualTo(10);
      JsonNode write = devtools.send("Debugger.evaluateOnCallFrame", "callFrameId", frameId,
          "expression", "subtotal = 1000");
      assertThat(write.path("exceptionDetails").isMissingNode()).as(write.toString()).isFalse();
      assertThat(refusalOf(() -> devtools.send("Debugger.setVariableValue", "scopeNumber", 0,
          "variableName", "subtotal", "newValue", CdpClient.params("value", 1000),
          "callFrameId", frameId))).contains("not allowed in a read-only session");

      devtools.send("Debugger.resume");
      assertThat(CdpClient.JSON.readTree(invocation.get().body()).path("total").asDouble())
          .as("the paused invocation finished with its own values").isEqualTo(12.0);
      devtools.send("Debugger.removeBreakpoint", "breakpointId",
          devtools.received().stream().filter(m -> m.has("result")
              && m.path("result").has("breakpointId")).findFirst().orElseThrow()
              .path("result").path("breakpointId").asText());
    }
  }

  @Test
  void aFiveMegabyteScriptSourceReachesAReadOnlySession() throws Exception {
    String source = "/*" + "r".repeat(5 * 1024 * 1024) + "*/ 'big'\n//# sourceURL=ro-big.js";
    try (CdpClient full = CdpClient.connect(tether.createSession(alice, "orders")
        .webSocketDebuggerUrl()); CdpClient devtools = readOnly()) {
      full.send("Runtime.evaluate", CdpClient.params("expression", source), WAIT);
      devtools.send("Debugger.enable");

      JsonNode fetched = devtools.send("Debugger.getScriptSource",
          CdpClient.params("scriptId", scriptIdOf(devtools, "ro-big.js")), WAIT);

      assertThat(fetched.path("scriptSource").asText()).isEqualTo(source);
    }
  }

  @Test
  void aFunctionLeftPausedIsResumedByTheRelay() throws Exception {
    int line = TetherStack.lineOf("examples/orders/handler.js", "const total =");
    try (CdpClient devtools = CdpClient.connect(tether.openSession(alice, "orders"))) {
      devtools.send("Debugger.enable");
      String id = devtools.send("Debugger.setBreakpointByUrl", "lineNumber", line, "urlRegex",
          "handler\\.js$").path("breakpointId").asText();
      CompletableFuture<HttpResponse<String>> invocation = orders.invoke("{}");
      devtools.awaitEvent("Debugger.paused", WAIT);

      devtools.awaitEvent("Debugger.resumed", Duration.ofSeconds(10));

      assertThat(invocation.get().statusCode()).isEqualTo(200);
      assertThat(devtools.received()).noneMatch(m -> m.path("id").asLong() < 0);
      devtools.send("Debugger.removeBreakpoint", "breakpointId", id);
    }
  }

  private static String scriptIdOf(CdpClient devtools, String urlEnd) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode parsed = devtools.awaitEvent("Debugger.scriptParsed", WAIT);
      if (parsed.path("params").path("url").asText().endsWith(urlEnd)) {
        return parsed.path("params").path("scriptId").asText();
      }
    }
    throw new AssertionError("no script " + urlEnd);
  }
}
