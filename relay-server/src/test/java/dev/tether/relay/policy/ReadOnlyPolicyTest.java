package dev.tether.relay.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.relay.cdp.CommandReader;
import dev.tether.relay.cdp.ReadCommand;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ReadOnlyPolicyTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ReadOnlyPolicy policy = new ReadOnlyPolicy(Duration.ofSeconds(5));

  /** Reads the message as the gate does, then asks the policy; an unreadable one is refused. */
  private ReadOnlyPolicy.Outcome check(String message) {
    byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
    CommandReader reader = new CommandReader(1024, method -> true);
    ReadCommand command = reader.feed(ByteBuffer.wrap(bytes)) ? reader.finish() : null;
    if (command == null) {
      return new ReadOnlyPolicy.Refuse(reader.id(), reader.method(), PolicyListener.MALFORMED,
          reader.problem());
    }
    return policy.check(command, bytes);
  }

  private JsonNode forwarded(String message) throws Exception {
    ReadOnlyPolicy.Outcome outcome = check(message);
    assertThat(outcome).isInstanceOf(ReadOnlyPolicy.Forward.class);
    return JSON.readTree(((ReadOnlyPolicy.Forward) outcome).message());
  }

  private ReadOnlyPolicy.Refuse refused(String message) {
    ReadOnlyPolicy.Outcome outcome = check(message);
    assertThat(outcome).isInstanceOf(ReadOnlyPolicy.Refuse.class);
    return (ReadOnlyPolicy.Refuse) outcome;
  }

  @ParameterizedTest
  @ValueSource(strings = {"Debugger.setScriptSource", "Debugger.setVariableValue",
      "Debugger.setReturnValue", "Debugger.restartFrame", "Runtime.compileScript",
      "Runtime.runScript", "Runtime.terminateExecution", "Runtime.addBinding",
      "NodeWorker.sendMessageToWorker", "Target.sendMessageToTarget", "Page.navigate",
      "Made.up"})
  void codeChangingAndUnknownMethodsAreRefusedWithTheirName(String method) {
    ReadOnlyPolicy.Refuse refusal =
        refused("{\"id\":7,\"method\":\"" + method + "\",\"params\":{}}");

    assertThat(refusal.id()).isEqualTo(7);
    assertThat(refusal.method()).isEqualTo(method);
    assertThat(refusal.reason()).isEqualTo(PolicyListener.READ_ONLY);
    assertThat(refusal.message()).isEqualTo(method + " is not allowed in a read-only session");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Debugger.enable", "Debugger.resume", "Debugger.getScriptSource",
      "Runtime.getProperties", "Profiler.start", "HeapProfiler.takeHeapSnapshot",
      "Debugger.stepOver", "Runtime.runIfWaitingForDebugger", "NodeRuntime.enable"})
  void readingMethodsPassByteForByte(String method) {
    String message = "{\"id\":1,\"method\":\"" + method + "\",\"params\":{ \"x\" : 1 }}";

    ReadOnlyPolicy.Outcome outcome = check(message);

    assertThat(outcome).isInstanceOf(ReadOnlyPolicy.Forward.class);
    assertThat(new String(((ReadOnlyPolicy.Forward) outcome).message(), StandardCharsets.UTF_8))
        .isEqualTo(message);
  }

  @Test
  void anEvaluationIsForwardedWithThrowOnSideEffectAndATimeoutForced() throws Exception {
    JsonNode sent = forwarded("{\"id\":3,\"method\":\"Runtime.evaluate\",\"params\":"
        + "{\"expression\":\"x = 1\",\"throwOnSideEffect\":false,\"timeout\":600000}}");

    assertThat(sent.path("id").asInt()).isEqualTo(3);
    assertThat(sent.path("params").path("expression").asText()).isEqualTo("x = 1");
    assertThat(sent.path("params").path("throwOnSideEffect").asBoolean()).isTrue();
    assertThat(sent.path("params").path("timeout").asLong()).isEqualTo(5000);
  }

  @Test
  void aShorterTimeoutTheClientAskedForIsKept() throws Exception {
    JsonNode sent = forwarded("{\"id\":3,\"method\":\"Debugger.evaluateOnCallFrame\",\"params\":"
        + "{\"callFrameId\":\"f\",\"expression\":\"a\",\"timeout\":500}}");

    assertThat(sent.path("params").path("timeout").asLong()).isEqualTo(500);
    assertThat(sent.path("params").path("throwOnSideEffect").asBoolean()).isTrue();
  }

  @Test
  void anEvaluationWithoutParamsStillGetsTheForcedOnes() throws Exception {
    JsonNode sent = forwarded("{\"id\":3,\"method\":\"Runtime.evaluate\"}");

    assertThat(sent.path("params").path("throwOnSideEffect").asBoolean()).isTrue();
  }

  @Test
  void callFunctionOnIsRefusedBecauseNothingCouldStopIt() {
    ReadOnlyPolicy.Refuse refusal = refused("{\"id\":4,\"method\":\"Runtime.callFunctionOn\","
        + "\"params\":{\"functionDeclaration\":\"function(){for(;;){}}\",\"objectId\":\"o\"}}");

    assertThat(refusal.reason()).isEqualTo(PolicyListener.READ_ONLY);
    assertThat(refusal.message()).contains("no timeout").contains("Runtime.evaluate");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Debugger.setBreakpointByUrl", "Debugger.setBreakpoint",
      "Debugger.setBreakpointOnFunctionCall"})
  void breakpointsPassWithoutAConditionAndAreRefusedWithOne(String method) {
    assertThat(check("{\"id\":5,\"method\":\"" + method + "\",\"params\":{\"lineNumber\":3,"
        + "\"condition\":\"\"}}")).isInstanceOf(ReadOnlyPolicy.Forward.class);

    ReadOnlyPolicy.Refuse refusal = refused("{\"id\":6,\"method\":\"" + method
        + "\",\"params\":{\"lineNumber\":3,\"condition\":\"console.log(x), false\"}}");

    assertThat(refusal.id()).isEqualTo(6);
    assertThat(refusal.message()).startsWith(method + " with a condition is not allowed")
        .contains("logpoints");
  }

  @Test
  void aDuplicateMethodCannotSmuggleASecondCommand() {
    ReadOnlyPolicy.Refuse refusal = refused("{\"id\":1,\"method\":\"Debugger.enable\","
        + "\"method\":\"Debugger.setScriptSource\",\"params\":{}}");

    assertThat(refusal.reason()).isEqualTo(PolicyListener.MALFORMED);
  }

  @Test
  void aDuplicateKeyInsideParamsIsRefusedToo() {
    assertThat(refused("{\"id\":1,\"method\":\"Runtime.evaluate\",\"params\":"
        + "{\"throwOnSideEffect\":false,\"throwOnSideEffect\":false}}").reason())
        .isEqualTo(PolicyListener.MALFORMED);
  }

  @Test
  void trailingContentAfterTheCommandIsRefused() {
    assertThat(refused("{\"id\":1,\"method\":\"Debugger.enable\"}"
        + "{\"id\":2,\"method\":\"Debugger.setScriptSource\"}").reason())
        .isEqualTo(PolicyListener.MALFORMED);
  }

  @Test
  void anEscapedMethodNameIsReadAsV8ReadsIt() {
    assertThat(refused("{\"id\":1,\"method\":\"Debugger.setScript\\u0053ource\"}").method())
        .isEqualTo("Debugger.setScriptSource");
  }

  @Test
  void aMessageWithoutMethodOrNotJsonIsRefused() {
    assertThat(refused("{\"id\":9}").reason()).isEqualTo(PolicyListener.MALFORMED);
    assertThat(refused("[1,2]").id()).isNull();
    assertThat(refused("not json").id()).isNull();
    assertThat(refused("{\"id\":\"1\",\"method\":\"Debugger.enable\"}").id()).isNull();
  }

  @Test
  void paramsThatAreNotAnObjectAreRefusedForRewrittenMethods() {
    assertThat(refused("{\"id\":1,\"method\":\"Runtime.evaluate\",\"params\":[1]}").message())
        .contains("params");
  }

  @Test
  void theErrorReplyHasTheCdpShape() throws Exception {
    JsonNode reply = JSON.readTree(ReadOnlyPolicy.errorReply(12, "Runtime.runScript is not allowed"
        + " in a read-only session"));

    assertThat(reply.path("id").asLong()).isEqualTo(12);
    assertThat(reply.path("error").path("code").asInt()).isEqualTo(-32000);
    assertThat(reply.path("error").path("message").asText())
        .isEqualTo("Runtime.runScript is not allowed in a read-only session");
  }
}
