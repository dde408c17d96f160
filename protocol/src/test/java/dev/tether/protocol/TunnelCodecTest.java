package dev.tether.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class TunnelCodecTest {
  private static final String SECRET = ResumeSecret.generate();

  static Stream<TunnelMessage> everyKindOfMessage() {
    Target target = new Target("6c1f-44", "node", "handler.js", "file:///srv/handler.js");
    return Stream.of(
        new TunnelMessage.Hello(
            "orders", "orders-7f9c", "node v20.20.2", List.of(target), List.of("credit"), "0.1.0"),
        new TunnelMessage.Hello(
            "orders", "orders-7f9c", "node v20.20.2", List.of(target), List.of("credit", "resume"),
            "0.1.0", true, List.of(new StreamPosition(7, 12, 131072), new StreamPosition(9, 0, 0)),
            SECRET),
        new TunnelMessage.Welcome("orders-7f9c", 20, 30, SECRET),
        new TunnelMessage.Welcome(
            "orders-7f9c", 20, 30, true, List.of(new StreamPosition(7, 40, 262144)), SECRET),
        new TunnelMessage.Welcome("orders-7f9c", 20, 30, false, List.of(), SECRET, true),
        new TunnelMessage.TargetsChanged(List.of(target)),
        new TunnelMessage.Open(7, "6c1f-44", "s-123", Tunnel.DEFAULT_WINDOW),
        new TunnelMessage.Opened(7, Tunnel.DEFAULT_WINDOW),
        new TunnelMessage.Close(7, CloseCodes.TARGET_GONE, "the inspector closed the session"),
        new TunnelMessage.Credit(7, 65536),
        new TunnelMessage.Credit(7, 65536, 12),
        new TunnelMessage.Credit(7, 0, 64),
        new TunnelMessage.Crash(1, crashReport()),
        new TunnelMessage.SnapshotPoints(
            List.of(new SnapshotPoint("p-1", "handler.js", 12, null, null, 10),
                new SnapshotPoint("p-2", "file:///srv/handler.js", 3, "total > 10",
                    "total={total}", 100)),
            List.of("password", "token"), 25, 50.0),
        new TunnelMessage.SnapshotPoints(List.of(), List.of(), 1, 0.5),
        new TunnelMessage.SnapshotHit("p-1", 1_795_000_000_000L, 0.42,
            List.of(new CapturedFrame("handler", "file:///srv/handler.js", 12, 3)),
            capturedScopes(), null, true, 2),
        new TunnelMessage.SnapshotHit("p-2", 1_795_000_000_001L, 0.1, List.of(), null,
            "total=42", false, 0),
        new TunnelMessage.SnapshotDisabled("p-1", "more than 25 hits in one second"),
        new TunnelMessage.ScriptsRequest(4),
        new TunnelMessage.Scripts(4, List.of("file:///srv/handler.js"), null),
        new TunnelMessage.Scripts(5, List.of(), "the inspector did not answer"),
        new TunnelMessage.Attach(3, "eyJ.ticket.sig", "203.0.113.7", Tunnel.DEFAULT_WINDOW),
        new TunnelMessage.Refused(3, 409, "already_attached", "close that window first"),
        new TunnelMessage.OpenInstance(4, "orders", "i-1", "s-1", "alice", "readonly",
            Tunnel.DEFAULT_WINDOW));
  }

  private static JsonNode capturedScopes() {
    com.fasterxml.jackson.databind.node.ArrayNode scopes = JsonNodeFactory.instance.arrayNode();
    ObjectNode local = scopes.addObject().put("frame", 0).put("type", "local");
    local.putArray("variables").addObject().put("name", "total").put("type", "number")
        .put("value", "42");
    return scopes;
  }

  private static JsonNode crashReport() {
    ObjectNode report = JsonNodeFactory.instance.objectNode();
    report.putObject("header").put("event", "Exception").put("trigger", "Exception");
    report.putObject("javascriptStack").put("message", "Error: kaboom")
        .putArray("stack").add("at boom (/srv/handler.js:3:9)");
    report.putObject("environmentVariables").put("HOME", "[redacted]");
    return report;
  }

  @Test
  void everySubtypeIsCoveredByTheRoundTrip() {
    assertThat(everyKindOfMessage().map(Object::getClass).distinct())
        .containsExactlyInAnyOrder(TunnelMessage.class.getPermittedSubclasses());
  }

  @ParameterizedTest
  @MethodSource("everyKindOfMessage")
  void aMessageSurvivesTheRoundTripUnchanged(TunnelMessage message) throws Exception {
    String json = TunnelCodec.encode(message);

    assertThat(TunnelCodec.decode(json)).isEqualTo(message);
  }

  /** What the codec wrote before it used the streaming API, and what older peers still run. */
  private static final ObjectMapper DATA_BINDING = JsonMapper.builder()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .build();

  @ParameterizedTest
  @MethodSource("everyKindOfMessage")
  void theWireFormatIsExactlyWhatDataBindingWroteFromTheAnnotations(TunnelMessage message)
      throws Exception {
    String dataBinding = DATA_BINDING.writerFor(TunnelMessage.class).writeValueAsString(message);

    assertThat(TunnelCodec.encode(message)).isEqualTo(dataBinding);
    assertThat(DATA_BINDING.readValue(TunnelCodec.encode(message), TunnelMessage.class))
        .isEqualTo(message);
    assertThat(TunnelCodec.decode(dataBinding)).isEqualTo(message);
  }

  @Test
  void fieldsMayComeInAnyOrderAsDataBindingAllowed() throws Exception {
    assertThat(TunnelCodec.decode("{\"ack\":1,\"stream\":2,\"type\":\"credit\",\"bytes\":5}"))
        .isEqualTo(new TunnelMessage.Credit(2, 5, 1));
  }

  @Test
  void aNullPrimitiveIsAProtocolError() {
    assertThatThrownBy(() -> TunnelCodec.decode(
            "{\"type\":\"credit\",\"stream\":2,\"bytes\":null,\"ack\":1}"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("bytes is required");
  }

  @Test
  void aFieldOfTheWrongJsonTypeIsAProtocolErrorNotACoercion() {
    assertThatThrownBy(() -> TunnelCodec.decode(
            "{\"type\":\"credit\",\"stream\":\"2\",\"bytes\":5,\"ack\":1}"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("stream must be an integer");
    assertThatThrownBy(() -> TunnelCodec.decode(
            "{\"type\":\"credit\",\"stream\":2.7,\"bytes\":5,\"ack\":1}"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("stream must be an integer");
    assertThatThrownBy(() -> TunnelCodec.decode(
            "{\"type\":\"close\",\"stream\":1,\"code\":1000,\"reason\":5}"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("reason must be a string");
    assertThatThrownBy(() -> TunnelCodec.decode("{\"type\":\"targets\",\"targets\":{\"id\":\"x\"}}"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("targets must be a list");
  }

  @Test
  void aNumberOutsideItsFieldsRangeIsAProtocolError() {
    assertThatThrownBy(() -> TunnelCodec.decode(
            "{\"type\":\"credit\",\"stream\":99999999999,\"bytes\":5,\"ack\":1}"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("stream must be an integer from");
    assertThatThrownBy(() -> TunnelCodec.decode(
            "{\"type\":\"credit\",\"stream\":1,\"bytes\":99999999999999999999,\"ack\":1}"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("bytes must be an integer from");
  }

  @Test
  void aDuplicateFieldIsAProtocolError() {
    assertThatThrownBy(() -> TunnelCodec.decode(
            "{\"type\":\"credit\",\"stream\":2,\"bytes\":5,\"ack\":1,\"stream\":3}"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("Duplicate field 'stream'");
  }

  @Test
  void anythingButOneObjectIsAProtocolError() {
    assertThatThrownBy(() -> TunnelCodec.decode("[1]"))
        .isInstanceOf(ProtocolException.class).hasMessageContaining("a JSON object");
    assertThatThrownBy(() -> TunnelCodec.decode("{\"type\":\"opened\",\"stream\":1,\"window\":1} {}"))
        .isInstanceOf(ProtocolException.class).hasMessageContaining("after the message");
    assertThatThrownBy(() -> TunnelCodec.decode("{\"type\":null}"))
        .isInstanceOf(ProtocolException.class).hasMessageContaining("missing type");
    assertThatThrownBy(() -> TunnelCodec.decode(""))
        .isInstanceOf(ProtocolException.class);
  }

  @Test
  void aCrashReportKeepsEveryKindOfJsonValue() throws Exception {
    String json = "{\"type\":\"crash\",\"exitCode\":1,\"report\":{\"a\":1.5,"
        + "\"b\":[1,null,true,\"s\",{}],\"c\":12345678901234,\"d\":123456789012345678901234}}";

    TunnelMessage message = TunnelCodec.decode(json);

    assertThat(message).isEqualTo(DATA_BINDING.readValue(json, TunnelMessage.class));
    assertThat(TunnelCodec.encode(message)).isEqualTo(json);
  }

  @Test
  void theTypeTagIsAStableLowercaseName() {
    assertThat(TunnelCodec.encode(new TunnelMessage.Credit(3, 10)))
        .isEqualTo("{\"type\":\"credit\",\"stream\":3,\"bytes\":10,\"ack\":0}");
  }

  @Test
  void unknownFieldsFromANewerPeerAreIgnored() throws Exception {
    TunnelMessage message =
        TunnelCodec.decode(
            "{\"type\":\"credit\",\"stream\":3,\"bytes\":10,\"ack\":0,\"future\":true}");

    assertThat(message).isEqualTo(new TunnelMessage.Credit(3, 10));
  }

  @Test
  void anUnknownTypeIsAProtocolError() {
    assertThatThrownBy(() -> TunnelCodec.decode("{\"type\":\"rm -rf\"}"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("invalid control message");
  }

  @Test
  void aMessageThatBreaksItsOwnRulesIsAProtocolError() {
    assertThatThrownBy(() -> TunnelCodec.decode("{\"type\":\"open\",\"stream\":0,\"target\":\"t\",\"session\":\"s\",\"window\":1}"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("stream ids are positive");
  }

  @Test
  void aMissingNumberIsNotTakenAsZero() {
    assertThatThrownBy(() -> TunnelCodec.decode("{\"type\":\"credit\",\"stream\":2}"))
        .isInstanceOf(ProtocolException.class);
  }

  @Test
  void aCreditThatNeitherGrantsNorAcknowledgesIsAProtocolError() {
    assertThatThrownBy(
            () -> TunnelCodec.decode("{\"type\":\"credit\",\"stream\":2,\"bytes\":0,\"ack\":0}"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("grants bytes, acknowledges frames, or both");
  }

  @Test
  void onlyAResumingHelloNamesStreams() {
    assertThatThrownBy(
            () -> new TunnelMessage.Hello("orders", "i-1", null, null, null, null, false,
                List.of(new StreamPosition(1, 0, 0)), null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theSubprotocolSaysVersionTwoBecauseV1PeersCannotResume() {
    assertThat(Tunnel.SUBPROTOCOL).isEqualTo("tether.v2");
  }

  @Test
  void aCrashWhoseReportIsNotAnObjectIsAProtocolError() {
    assertThatThrownBy(() -> TunnelCodec.decode("{\"type\":\"crash\",\"exitCode\":1,\"report\":\"x\"}"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("report must be a JSON object");
  }

  @Test
  void garbageIsAProtocolError() {
    assertThatThrownBy(() -> TunnelCodec.decode("\u0000\u0001not json"))
        .isInstanceOf(ProtocolException.class);
  }

  @Test
  void anOversizeControlMessageIsRefusedBeforeParsing() {
    String huge = "{\"type\":\"targets\",\"x\":\"" + "a".repeat(70_000) + "\"}";

    assertThatThrownBy(() -> TunnelCodec.decode(huge))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("exceeds");
  }

  @Test
  void aWelcomeFromARelayOlderThanResumeSecretsStillDecodes() throws Exception {
    TunnelMessage welcome = TunnelCodec.decode(
        "{\"type\":\"welcome\",\"instance\":\"i-1\",\"heartbeatSeconds\":20,"
            + "\"graceSeconds\":30,\"resumed\":false}");

    assertThat(welcome).isEqualTo(new TunnelMessage.Welcome("i-1", 20, 30, null));
  }

  @Test
  void aSecretLongerThanAnyTheRelayMakesIsAProtocolError() {
    assertThatThrownBy(() -> TunnelCodec.decode(
            "{\"type\":\"welcome\",\"instance\":\"i-1\",\"heartbeatSeconds\":20,"
                + "\"graceSeconds\":30,\"resumed\":false,\"resumeSecret\":\""
                + "s".repeat(129) + "\"}"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("resumeSecret must be at most 128");
  }

  @Test
  void neitherHelloNorWelcomeShowsTheSecretWhenPrinted() {
    String secret = ResumeSecret.generate();

    assertThat(new TunnelMessage.Welcome("i-1", 20, 30, secret).toString())
        .doesNotContain(secret).contains("redacted");
    assertThat(new TunnelMessage.Hello("orders", "i-1", null, null, null, null, true, null, secret)
        .toString()).doesNotContain(secret).contains("redacted");
  }
}
