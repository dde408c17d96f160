package dev.tether.relay.cdp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One reader for a whole connection, as the relay runs it: every message must read exactly as a
 * new reader would read it alone, whatever came before it on the connection.
 */
class ConnectionReaderTest {
  private static final int MAX_TEXT = 64;

  /** Messages that read well, of the kinds a connection mixes. */
  private static final List<String> GOOD = List.of(
      "{\"id\":1,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"orders.length\","
          + "\"objectGroup\":\"console\",\"includeCommandLineAPI\":true,\"timeout\":2.5}}",
      "{\"id\":2,\"method\":\"Runtime.getProperties\",\"params\":{\"objectId\":\"o-1\","
          + "\"ownProperties\":true}}",
      "  {\"id\":3,\"method\":\"Debugger.enable\"}\n",
      "{\"id\":4,\"sessionId\":\"S1\",\"method\":\"Runtime.callFunctionOn\",\"params\":{"
          + "\"functionDeclaration\":\"function(){return 'ü'}\",\"arguments\":[{\"value\":7}]}}",
      "{\"id\":5,\"method\":\"Debugger.setBreakpointByUrl\",\"params\":{\"lineNumber\":3,"
          + "\"url\":\"file:///a.js\",\"condition\":\"x > 1\"}}",
      "{\"params\":{\"expression\":\"1\"},\"id\":6,\"method\":\"Runtime.evaluate\"}",
      "{\"id\":7,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"" + "y".repeat(300)
          + "\",\"objectGroup\":\"" + "z".repeat(100) + "\"}}",
      "{\"id\":8,\"method\":\"Target.attachToTarget\",\"params\":{\"targetId\":\"t\","
          + "\"flatten\":true}}",
      "{\"id\":9,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"'\\ud800'+1\"}}");

  /** Messages a new reader refuses, each for its own reason. */
  private static final List<String> BAD = List.of(
      "{\"id\":10,\"method\":\"Debugger.enable\",\"method\":\"Runtime.evaluate\"}",
      "{\"id\":11,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"1\",\"expression\":\"2\"}}",
      "{\"id\":12,\"method\":\"Debugger.enable\"}{\"id\":2,\"method\":\"Runtime.evaluate\"}",
      "{\"id\":13,\"method\":\"Debugger.enable\"} x",
      "{\"id\":14,\"method\":\"Debugger.enable\"} 12",
      "{\"id\":15,\"method\":\"Debugger.enable\"} t",
      "{\"id\":16,\"method\":\"Debugger.enable\"} \"open",
      "{\"id\":17,\"method\":\"Debugger.enable\"}]",
      "{\"id\":18,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"1\"}",
      "{\"id\":19,\"method\":7}",
      "{\"id\":20,\"method\":\"\"}",
      "{\"id\":21}",
      "[{\"id\":22,\"method\":\"Debugger.enable\"}]",
      "23",
      "{\"id\":25,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"1\"}} 5",
      "{\"id\":26,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"1\"},"
          + "\"method\":\"Debugger.enable\"}",
      "\uFEFF{\"id\":24,\"method\":\"Debugger.enable\"}",
      "",
      "   ");

  @Test
  void aConnectionsReaderReadsManyMessagesInSequenceAsNewReadersWould() {
    CommandReader connection = reader();
    for (int round = 0; round < 2_000; round++) {
      String message = GOOD.get(round % GOOD.size());

      Reading reading = read(connection, bytes(message), Integer.MAX_VALUE, true);

      assertThat(reading).as("message %d: %s", round, message).isEqualTo(alone(message));
      assertThat(reading.command()).isNotNull();
    }
  }

  @Test
  void aRefusedMessageDoesNotPoisonTheNext() {
    CommandReader connection = reader();
    for (String bad : BAD) {
      for (String good : GOOD) {
        assertThat(read(connection, bytes(good), Integer.MAX_VALUE, true))
            .as("before %s", bad).isEqualTo(alone(good));

        Reading refused = read(connection, bytes(bad), Integer.MAX_VALUE, true);

        assertThat(refused.command()).as(bad).isNull();
        assertThat(refused).as(bad).isEqualTo(alone(bad));
        assertThat(read(connection, bytes(good), Integer.MAX_VALUE, true))
            .as("after %s", bad).isEqualTo(alone(good));
      }
    }
  }

  @Test
  void invalidUtf8InOneMessageDoesNotReachTheNext() {
    byte[] plain = bytes(GOOD.get(0));
    byte[] broken = plain.clone();
    broken[broken.length - 8] = (byte) 0xC1; // an overlong form inside a string
    byte[] cut = bytes("{\"id\":1,\"method\":\"Debugger.enable\",\"x\":\"é\"}");
    cut = java.util.Arrays.copyOf(cut, cut.length - 3); // ends inside a character
    CommandReader connection = reader();
    for (byte[] bad : List.of(broken, cut)) {
      Reading refused = read(connection, bad, Integer.MAX_VALUE, true);

      assertThat(refused.problem()).contains("UTF-8");
      assertThat(read(connection, plain, Integer.MAX_VALUE, true))
          .isEqualTo(alone(GOOD.get(0)));
    }
  }

  @Test
  void messagesSplitAcrossFramesReadAsWholeOnes() {
    List<String> all = new ArrayList<>(GOOD);
    all.addAll(BAD);
    CommandReader connection = reader();
    for (int size = 1; size <= 40; size++) {
      for (String message : all) {
        assertThat(read(connection, bytes(message), size, true))
            .as("frames of %d bytes: %s", size, message).isEqualTo(alone(message));
      }
    }
  }

  @Test
  void aMessageLeftHalfReadDoesNotReachIntoTheNext() {
    CommandReader connection = reader();
    for (String good : GOOD) {
      byte[] bytes = bytes(good);
      // The gate stops feeding a message it refuses for its own reasons (too large, rate).
      read(connection, java.util.Arrays.copyOf(bytes, bytes.length / 2), Integer.MAX_VALUE, false);

      assertThat(read(connection, bytes, Integer.MAX_VALUE, true)).isEqualTo(alone(good));
    }
  }

  @Test
  void theParserIsRenewedOnLongConnectionsAndReadingGoesOn() {
    CommandReader connection = reader();
    String message = GOOD.get(6); // about 450 bytes
    long messages = CommandReader.RENEW_AFTER_BYTES / message.length() * 3;
    for (long i = 0; i < messages; i++) {
      Reading reading = read(connection, bytes(message), Integer.MAX_VALUE, true);
      assertThat(reading.command()).isNotNull();
    }
    assertThat(read(connection, bytes(GOOD.get(0)), 7, true)).isEqualTo(alone(GOOD.get(0)));
  }

  @Test
  void codeIsHashedAsItsUtf8BytesEvenWithALoneSurrogate() throws Exception {
    ReadCommand command = read(reader(), bytes(GOOD.get(8)), Integer.MAX_VALUE, true).command();

    String expression = command.code("expression").text();
    assertThat(expression).isEqualTo("'\ud800'+1");
    assertThat(command.code("expression").sha256()).isEqualTo(HexFormat.of().formatHex(
        MessageDigest.getInstance("SHA-256").digest(expression.getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void aKeyTwiceInOneObjectIsRefusedAtAnyDepthInJacksonsOwnWords() throws Exception {
    List<String> twice = List.of(
        "{\"id\":1,\"id\":2,\"method\":\"Debugger.enable\"}",
        "{\"id\":1,\"method\":\"Runtime.evaluate\",\"params\":{\"a\":[{\"x\":1},{\"x\":2,"
            + "\"y\":{\"q\":1,\"r\":2,\"s\":3,\"q\":4}}]}}",
        "{\"id\":1,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":{\"e\":1,\"e\":1}}}",
        "{\"id\":1,\"method\":\"Debugger.enable\",\"x\":{\"" + "k".repeat(300) + "\":1,\""
            + "k".repeat(300) + "\":2}}");
    List<String> once = List.of( // the same key in sibling or nested objects is no duplicate
        "{\"id\":1,\"method\":\"Runtime.evaluate\",\"params\":{\"id\":{\"id\":1},"
            + "\"a\":[{\"x\":1},{\"x\":2}],\"b\":{\"x\":3}}}");
    CommandReader connection = reader();
    for (String message : twice) {
      String jackson;
      try (com.fasterxml.jackson.core.JsonParser strict = com.fasterxml.jackson.core.JsonFactory
          .builder().enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build().createParser(message)) {
        jackson = org.assertj.core.api.Assertions.catchThrowableOfType(
            () -> { while (strict.nextToken() != null) { } },
            com.fasterxml.jackson.core.JsonParseException.class).getOriginalMessage();
      }
      String expected = "a key appears twice in one object (" + (jackson.length() > 200
          ? jackson.substring(0, 200) + "…" : jackson) + ")";

      assertThat(read(connection, bytes(message), 5, true).problem()).as(message)
          .contains(expected);
    }
    for (String message : once) {
      assertThat(read(connection, bytes(message), 5, true).command()).as(message).isNotNull();
    }
  }

  @Test
  void manyKeysAndKeysWhoseHashesCollideStillHaveTheirDuplicatesFound() {
    StringBuilder colliding = new StringBuilder("{\"id\":1,\"method\":\"Debugger.enable\",\"x\":{");
    StringBuilder many = new StringBuilder("{\"id\":1,\"method\":\"Debugger.enable\",\"x\":{");
    for (int i = 0; i < 1 << 14; i++) { // "Aa" and "BB" hash alike: 2^14 keys with one hash
      String key = Integer.toBinaryString(i | 1 << 14).substring(1).replace("0", "Aa")
          .replace("1", "BB");
      colliding.append('"').append(key).append("\":1,");
      many.append("\"k").append(i).append("\":1,");
    }
    String collidingOnce = colliding.substring(0, colliding.length() - 1) + "}}";
    String collidingTwice = colliding + "\"" + "Aa".repeat(14) + "\":2}}";
    String manyOnce = many.substring(0, many.length() - 1) + "}}";
    String manyTwice = many + "\"k77\":2}}";
    CommandReader connection = reader();

    assertThat(read(connection, bytes(collidingOnce), 4096, true).command()).isNotNull();
    assertThat(read(connection, bytes(collidingTwice), 4096, true).problem())
        .contains("Duplicate field '" + "Aa".repeat(14) + "'");
    assertThat(read(connection, bytes(manyOnce), 4096, true).command()).isNotNull();
    assertThat(read(connection, bytes(manyTwice), 4096, true).problem())
        .contains("Duplicate field 'k77'");
    assertThat(read(connection, bytes(GOOD.get(0)), 4096, true)).isEqualTo(alone(GOOD.get(0)));
  }

  /** What one reading gave: the command, or the reason it was refused and the id read before. */
  private record Reading(ReadCommand command, String problem, Long id, String method) {}

  private static CommandReader reader() {
    return new CommandReader(MAX_TEXT, CdpCommands::captures);
  }

  private static Reading alone(String message) {
    return read(reader(), bytes(message), Integer.MAX_VALUE, true);
  }

  private static Reading read(CommandReader reader, byte[] bytes, int frameSize, boolean finish) {
    reader.next();
    boolean fine = true;
    for (int i = 0; fine && i < bytes.length; i += frameSize) {
      fine = reader.feed(ByteBuffer.wrap(bytes, i, Math.min(frameSize, bytes.length - i)).slice());
    }
    ReadCommand command = fine && finish ? reader.finish() : null;
    return new Reading(command, reader.problem(), reader.id(), reader.method());
  }

  private static byte[] bytes(String message) {
    return message.getBytes(StandardCharsets.UTF_8);
  }
}
