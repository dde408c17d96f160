package dev.tether.relay.cdp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CommandReaderTest {
  private static final String EVAL =
      "{\"id\":1,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"1+1\"}}";

  private static CommandReader reader() {
    return new CommandReader(64, CdpCommands::captures);
  }

  private static ReadCommand read(byte[] bytes, int frameSize) {
    CommandReader reader = reader();
    for (int i = 0; i < bytes.length; i += frameSize) {
      if (!reader.feed(ByteBuffer.wrap(bytes, i, Math.min(frameSize, bytes.length - i)).slice())) {
        return null;
      }
    }
    return reader.finish();
  }

  private static ReadCommand read(String message) {
    return read(message.getBytes(StandardCharsets.UTF_8), Integer.MAX_VALUE);
  }

  private static String problem(byte[] bytes) {
    CommandReader reader = reader();
    if (reader.feed(ByteBuffer.wrap(bytes))) {
      assertThat(reader.finish()).as("refused").isNull();
    }
    return reader.problem();
  }

  private static String problem(String message) {
    return problem(message.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aPlainCommandReadsWithItsIdMethodAndCode() {
    ReadCommand command = read(EVAL);

    assertThat(command.id()).isEqualTo(1);
    assertThat(command.method()).isEqualTo("Runtime.evaluate");
    assertThat(command.code()).singleElement().satisfies(code -> {
      assertThat(code.name()).isEqualTo("expression");
      assertThat(code.text()).isEqualTo("1+1");
      assertThat(code.length()).isEqualTo(3);
      assertThat(code.cut()).isFalse();
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"id\":1,/**/\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"1\"}}",
      "{\"id\":1,\"method\":\"Runtime.evaluate\",// hidden\n\"params\":{\"expression\":\"1\"}}",
      "{\"id\":1,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"1\",}}",
      "{\"id\":1,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"1\"},}",
      "{'id':1,'method':'Runtime.evaluate','params':{'expression':'1'}}",
      "{\"id\":1,\"method\":\"Debugger.enable\",\"method\":\"Runtime.evaluate\"}",
      "{\"id\":1,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"1\",\"expression\":\"2\"}}",
      "{\"id\":1,\"method\":\"Runtime.evaluate\",\"params\":{\"a\":{\"b\":1,\"b\":2}}}",
      "{\"id\":1,\"method\":\"Debugger.enable\"}{\"id\":2,\"method\":\"Runtime.evaluate\"}",
      "{\"id\":1,\"method\":\"Debugger.enable\"} x",
      "{\"id\":1,\"method\":\"Debugger.enable\"",
      "[{\"id\":1,\"method\":\"Debugger.enable\"}]",
      "{\"id\":1.5,\"method\":\"Debugger.enable\"}",
      "{\"id\":-1,\"method\":\"Debugger.enable\"}",
      "{\"id\":99999999999,\"method\":\"Debugger.enable\"}",
      "{\"id\":\"1\",\"method\":\"Debugger.enable\"}",
      "{\"id\":1,\"method\":7}",
      "{\"id\":1}",
      "{\"method\":\"Debugger.enable\"}",
      "{\"id\":1,\"method\":\"Debugger.enable\",\"x\":NaN}",
      "{\"id\":01,\"method\":\"Debugger.enable\"}",
      ""})
  void whatV8CouldReadAnotherWayIsRefusedWithAReason(String message) {
    assertThat(problem(message)).startsWith("the relay refused this message because");
  }

  @Test
  void aByteOrderMarkIsRefused() {
    byte[] message = ("\uFEFF" + EVAL).getBytes(StandardCharsets.UTF_8);

    assertThat(problem(message)).contains("byte order mark");
  }

  @Test
  void invalidUtf8IsRefusedWhereverItStands() {
    byte[] plain = EVAL.getBytes(StandardCharsets.UTF_8);
    byte[][] bad = {
        {(byte) 0xC1, (byte) 0xA5}, // overlong 'e'
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // an encoded surrogate
        {(byte) 0xFF}, {(byte) 0x80}, // never valid
        {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // above U+10FFFF
    };
    for (byte[] sequence : bad) {
      byte[] message = new byte[plain.length + sequence.length];
      int at = EVAL.indexOf("1+1"); // inside the expression string
      System.arraycopy(plain, 0, message, 0, at);
      System.arraycopy(sequence, 0, message, at, sequence.length);
      System.arraycopy(plain, at, message, at + sequence.length, plain.length - at);

      assertThat(problem(message)).as("%s", HexFormat.of().formatHex(sequence))
          .contains("not valid UTF-8");
    }
  }

  @Test
  void aMessageCutInsideAUtf8CharacterIsRefused() {
    byte[] plain = "{\"id\":1,\"method\":\"Debugger.enable\",\"x\":\"é\"}"
        .getBytes(StandardCharsets.UTF_8);
    CommandReader reader = reader();
    reader.feed(ByteBuffer.wrap(plain, 0, plain.length - 3));

    assertThat(reader.finish()).isNull();
    assertThat(reader.problem()).contains("UTF-8");
  }

  @Test
  void aMessageSplitAnywhereReadsTheSame() {
    byte[] bytes = ("{\"id\":3,\"method\":\"Runtime.callFunctionOn\",\"params\":{\"objectId\":\"é1\","
        + "\"functionDeclaration\":\"function(){return 'ü'}\"}}").getBytes(StandardCharsets.UTF_8);
    for (int size = 1; size <= bytes.length; size++) {
      ReadCommand command = read(bytes, size);
      assertThat(command).as("frames of %d bytes", size).isNotNull();
      assertThat(command.code("functionDeclaration").text()).isEqualTo("function(){return 'ü'}");
      assertThat(command.params())
          .isEqualTo("{\"objectId\":\"é1\",\"functionDeclaration\":\"function(){return 'ü'}\"}");
    }
  }

  @Test
  void codeAfterPaddingIsKeptWithItsLengthAndHashWhereverItStands() throws Exception {
    String code = "require('child_process').execSync('id')" + "/*" + "y".repeat(5000) + "*/";
    ReadCommand command = read("{\"id\":4,\"method\":\"Runtime.evaluate\",\"params\":{\"pad\":\""
        + "x".repeat(1100) + "\",\"expression\":" + quote(code) + "}}");

    CodeArgument expression = command.code("expression");
    assertThat(expression.text()).hasSize(64).startsWith("require('child_process')");
    assertThat(expression.length()).isEqualTo(code.length());
    assertThat(expression.cut()).isTrue();
    assertThat(expression.sha256()).isEqualTo(HexFormat.of().formatHex(
        MessageDigest.getInstance("SHA-256").digest(code.getBytes(StandardCharsets.UTF_8))));
    assertThat(command.paramsCut()).isTrue();
  }

  @Test
  void aConditionAfterAMethodThatComesLastIsStillKept() {
    ReadCommand command = read("{\"params\":{\"lineNumber\":3,\"url\":\"file:///a.js\","
        + "\"condition\":\"steal()\"},\"id\":2,\"method\":\"Debugger.setBreakpointByUrl\"}");

    assertThat(command.method()).isEqualTo("Debugger.setBreakpointByUrl");
    assertThat(command.code("condition").text()).isEqualTo("steal()");
    assertThat(command.params()).isNull();
    assertThat(CdpCommands.records(command)).isTrue();
  }

  @Test
  void anEscapedMethodIsReadDecodedAsV8ReadsIt() {
    assertThat(read("{\"id\":1,\"method\":\"Runtime.evalu\\u0061te\"}").method())
        .isEqualTo("Runtime.evaluate");
  }

  @Test
  void theIdIsKnownForTheErrorReplyWhenTheFaultComesLater() {
    CommandReader reader = reader();
    reader.feed(ByteBuffer.wrap("{\"id\":42,\"method\":\"Runtime.evaluate\",/* x */}"
        .getBytes(StandardCharsets.UTF_8)));

    assertThat(reader.problem()).isNotNull();
    assertThat(reader.id()).isEqualTo(42);
  }

  @Test
  void flattenedSessionIdIsRead() {
    assertThat(read("{\"id\":1,\"sessionId\":\"s-1\",\"method\":\"Debugger.enable\"}").sessionId())
        .isEqualTo("s-1");
  }

  @Test
  void aLargeScriptSourceReads() {
    String source = "x".repeat(30 * 1024 * 1024);
    ReadCommand command = read(("{\"id\":1,\"method\":\"Debugger.setScriptSource\",\"params\":"
        + "{\"scriptId\":\"1\",\"scriptSource\":\"" + source + "\"}}")
        .getBytes(StandardCharsets.UTF_8), 64 * 1024);

    assertThat(command.code("scriptSource").length()).isEqualTo(source.length());
  }

  private static String quote(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  @Test
  void theTargetDomainsRoutingParamsAreReadWholeWhateverTheirOrderAndSize() {
    String inner = "{\\\"id\\\":1,\\\"method\\\":\\\"Runtime.evaluate\\\",\\\"params\\\":{\\\"expression\\\":\\\""
        + "x".repeat(200) + "\\\"}}";
    ReadCommand command = read("{\"params\":{\"message\":\"" + inner + "\",\"sessionId\":\"S1\"},"
        + "\"method\":\"Target.sendMessageToTarget\",\"id\":3}");

    assertThat(command.target().sessionId()).isEqualTo("S1");
    assertThat(command.target().message()).as("never cut, unlike the audit's copy")
        .startsWith("{\"id\":1,").hasSize(inner.replace("\\", "").length());
    assertThat(read("{\"id\":4,\"method\":\"Target.attachToTarget\",\"params\":{\"targetId\":\"a\","
        + "\"flatten\":true}}").target()).isEqualTo(new TargetParams("a", null, true, null, null));
  }

  @Test
  void aRoutingParamOfTheWrongTypeOrNestedDeeperIsNotTakenForOne() {
    ReadCommand command = read("{\"id\":4,\"method\":\"Target.attachToTarget\",\"params\":{"
        + "\"targetId\":7,\"flatten\":\"yes\",\"x\":{\"sessionId\":\"S\"}}}");

    assertThat(command.target()).isEqualTo(new TargetParams(null, null, null, null, null));
  }

  @Test
  void aSecondTargetIdIsRefusedLikeAnyDuplicateKey() {
    assertThat(read("{\"id\":4,\"method\":\"Target.attachToTarget\",\"params\":{"
        + "\"targetId\":\"a\",\"targetId\":\"b\"}}")).isNull();
  }

  /** Reads {@code message} whole, as the gate reads a one-frame message, leaving what it may. */
  private static ReadCommand readLeavingDetails(CommandReader reader, String message) {
    byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
    reader.next(bytes.length);
    return reader.feed(ByteBuffer.wrap(bytes)) ? reader.finish() : null;
  }

  private static CommandReader leavingReader() {
    return new CommandReader(200, CdpCommands::captures, CdpCommands::auditDetailsLater);
  }

  /** A full reading with the same bound (200 characters) as {@link #leavingReader()}. */
  private static ReadCommand fullRead(String message) {
    CommandReader reader = new CommandReader(200, CdpCommands::captures);
    return reader.feed(ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8)))
        ? reader.finish() : null;
  }

  @ParameterizedTest
  @ValueSource(strings = {
      EVAL,
      "{\"id\":2,\"method\":\"Runtime.callFunctionOn\",\"params\":{\"functionDeclaration\":"
          + "\"function(){return 'ü'}\",\"objectId\":\"1.2.3\",\"arguments\":[{\"value\":1}]}}",
      "{\"id\":3,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":{\"not\":\"a string\"}}}",
      "{\"id\":4,\"method\":\"Debugger.setScriptSource\",\"params\":{\"scriptId\":\"7\","
          + "\"scriptSource\":\"let a = 1;\"}}",
      "{\"id\":5,\"method\":\"HeapProfiler.takeHeapSnapshot\",\"params\":{\"reportProgress\":true}}"})
  void aSmallWholeCommandTheAuditRecordsLeavesItsDetailsUnreadYetReadsThemTheSame(String message) {
    ReadCommand full = fullRead(message);
    ReadCommand left = readLeavingDetails(leavingReader(), message);

    assertThat(left.detailsUnread()).isTrue();
    assertThat(left.id()).isEqualTo(full.id());
    assertThat(left.method()).isEqualTo(full.method());
    assertThat(left.bytes()).isEqualTo(full.bytes());
    assertThat(left.code()).isEqualTo(full.code());
    assertThat(left.params()).isEqualTo(full.params());
    assertThat(left.paramsCut()).isEqualTo(full.paramsCut());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      // a breakpoint's condition decides policy and audit; a carried message is routed
      "{\"id\":1,\"method\":\"Debugger.setBreakpointByUrl\",\"params\":{\"lineNumber\":1,"
          + "\"condition\":\"x > 1\"}}",
      "{\"id\":2,\"method\":\"Target.sendMessageToTarget\",\"params\":{\"message\":\"{}\"}}",
      // params before the method: read as they come
      "{\"id\":3,\"params\":{\"expression\":\"1\"},\"method\":\"Runtime.evaluate\"}",
      // larger than the text bound (200 characters here)
      "{\"id\":4,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"'a very long"
          + " expression that makes the message larger than the bound, which is two hundred"
          + " characters in these tests, so that the reader reads it on the spot as before'\"}}",
      // only reads: nothing to record
      "{\"id\":5,\"method\":\"Runtime.getProperties\",\"params\":{\"objectId\":\"1\"}}"})
  void detailsPolicyOrRoutingNeedAndLargeCommandsAreReadOnTheSpot(String message) {
    ReadCommand left = readLeavingDetails(leavingReader(), message);

    assertThat(left.detailsUnread()).isFalse();
    assertThat(left.code()).isEqualTo(fullRead(message).code());
    assertThat(left.params()).isEqualTo(fullRead(message).params());
  }

  @Test
  void aCommandInSeveralFramesIsReadOnTheSpot() {
    CommandReader reader = leavingReader();
    reader.next(-1);
    byte[] bytes = EVAL.getBytes(StandardCharsets.UTF_8);
    reader.feed(ByteBuffer.wrap(bytes, 0, 10).slice());
    reader.feed(ByteBuffer.wrap(bytes, 10, bytes.length - 10).slice());

    ReadCommand command = reader.finish();

    assertThat(command.detailsUnread()).isFalse();
    assertThat(command.code("expression").text()).isEqualTo("1+1");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"id\":1,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"1\",\"expression\":\"2\"}}",
      "{\"id\":1,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":{\"a\":1,\"a\":2}}}",
      "{\"id\":1,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"1\"}} {}",
      "{\"id\":1,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"1\",}}"})
  void leavingDetailsUnreadRefusesExactlyWhatAFullReadingRefuses(String message) {
    CommandReader reader = leavingReader();

    assertThat(readLeavingDetails(reader, message)).isNull();
    assertThat(reader.problem()).isEqualTo(problem(message));
  }

  @Test
  void aConnectionAlternatingBothKindsOfReadingKeepsEachMessageToItself() {
    CommandReader reader = leavingReader();
    String read = "{\"id\":9,\"method\":\"Runtime.getProperties\",\"params\":{\"objectId\":\"1\"}}";
    for (int i = 0; i < 50; i++) {
      ReadCommand eval = readLeavingDetails(reader, EVAL.replace("1+1", i + "+1"));
      ReadCommand other = readLeavingDetails(reader, read);

      assertThat(eval.code("expression").text()).isEqualTo(i + "+1");
      assertThat(other.detailsUnread()).isFalse();
      assertThat(other.method()).isEqualTo("Runtime.getProperties");
    }
  }
}
