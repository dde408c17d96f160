package dev.tether.relay.cdp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CdpCommandsTest {
  private static ReadCommand read(String json) {
    CommandReader reader = new CommandReader(64, CdpCommands::captures);
    assertThat(reader.feed(ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)))).isTrue();
    return reader.finish();
  }

  @ParameterizedTest
  @ValueSource(strings = {"Runtime.evaluate", "Runtime.callFunctionOn", "Runtime.compileScript",
      "Runtime.runScript", "Debugger.evaluateOnCallFrame", "Debugger.setVariableValue",
      "Debugger.setScriptSource", "Debugger.setReturnValue", "Debugger.restartFrame",
      "NodeWorker.sendMessageToWorker", "Target.sendMessageToTarget", "Debugger.setBreakpoint",
      "Debugger.setBreakpointByUrl", "Debugger.setBreakpointOnFunctionCall"})
  void aMethodThatCanRunCodeIsKeptForTheAuditAndNeverCountsAsOnlyReading(String method) {
    assertThat(CdpCommands.captures(method)).isTrue();
    assertThat(CdpCommands.onlyReads(method)).isFalse();
  }

  @Test
  void aHeapSnapshotOnlyReadsYetIsRecordedBecauseItHandsOverAllMemory() {
    assertThat(CdpCommands.onlyReads("HeapProfiler.takeHeapSnapshot")).isTrue();
    assertThat(CdpCommands.records(read(
        "{\"id\":1,\"method\":\"HeapProfiler.takeHeapSnapshot\",\"params\":{}}"))).isTrue();
  }

  @Test
  void aBreakpointIsRecordedOnlyWithACondition() {
    assertThat(CdpCommands.records(read("{\"id\":1,\"method\":\"Debugger.setBreakpointByUrl\","
        + "\"params\":{\"lineNumber\":3,\"condition\":\"\"}}"))).isFalse();
    assertThat(CdpCommands.records(read("{\"id\":1,\"method\":\"Debugger.setBreakpointByUrl\","
        + "\"params\":{\"lineNumber\":3,\"condition\":\"x > 1\"}}"))).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"Debugger.stepOver", "Runtime.getProperties", "Profiler.start",
      "Console.enable"})
  void readingMethodsAreNeitherRecordedNorKept(String method) {
    assertThat(CdpCommands.onlyReads(method)).isTrue();
    assertThat(CdpCommands.captures(method)).isFalse();
  }

  @Test
  void anUnknownMethodNeitherReadsNorIsKept() {
    assertThat(CdpCommands.onlyReads("Made.up")).isFalse();
    assertThat(CdpCommands.onlyReads("NoDot")).isFalse();
    assertThat(CdpCommands.captures("Made.up")).isFalse();
  }
}
