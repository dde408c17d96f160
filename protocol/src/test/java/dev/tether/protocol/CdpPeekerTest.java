package dev.tether.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CdpPeekerTest {

  private static ByteBuffer utf8(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aCommandShowsItsIdAndMethod() {
    CdpEnvelope envelope =
        CdpPeeker.peek(utf8("{\"id\":12,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"1+1\"}}"));

    assertThat(envelope).isEqualTo(new CdpEnvelope(12L, "Runtime.evaluate", false));
    assertThat(envelope.isCommand()).isTrue();
  }

  @Test
  void fieldsAfterALargeNestedParamsAreStillFound() {
    String nested = "{\"a\":[1,{\"method\":\"decoy\",\"id\":99}],\"b\":\"" + "x".repeat(100_000) + "\"}";

    CdpEnvelope envelope =
        CdpPeeker.peek(utf8("{\"params\":" + nested + ",\"method\":\"Debugger.setScriptSource\",\"id\":3}"));

    assertThat(envelope.method()).isEqualTo("Debugger.setScriptSource");
    assertThat(envelope.id()).isEqualTo(3L);
  }

  @Test
  void anEventHasAMethodButNoId() {
    CdpEnvelope envelope = CdpPeeker.peek(utf8("{\"method\":\"Debugger.paused\",\"params\":{}}"));

    assertThat(envelope.id()).isNull();
    assertThat(envelope.method()).isEqualTo("Debugger.paused");
    assertThat(envelope.isCommand()).isFalse();
  }

  @Test
  void aMessageFedOneByteAtATimeIsPeekedTheSame() {
    byte[] bytes =
        "{\"id\":7,\"method\":\"Debugger.enable\",\"params\":{}}".getBytes(StandardCharsets.UTF_8);
    CdpPeeker peeker = new CdpPeeker();

    boolean done = false;
    for (int i = 0; i < bytes.length && !done; i++) {
      done = peeker.feed(ByteBuffer.wrap(bytes, i, 1));
    }

    assertThat(done).isTrue();
    assertThat(peeker.envelope()).isEqualTo(new CdpEnvelope(7L, "Debugger.enable", false));
  }

  @Test
  void thePeekStopsOnceBothFieldsAreKnown() {
    CdpPeeker peeker = new CdpPeeker();

    boolean done = peeker.feed(utf8("{\"id\":1,\"method\":\"Runtime.enable\",\"params\":{\"unfinished"));

    assertThat(done).isTrue();
    assertThat(peeker.envelope().isCommand()).isTrue();
  }

  @Test
  void theCallersBufferIsNotMoved() {
    ByteBuffer message = utf8("{\"id\":1,\"method\":\"Runtime.enable\"}");

    CdpPeeker.peek(message);

    assertThat(message.position()).isZero();
  }

  @Test
  void notJsonIsMalformed() {
    assertThat(CdpPeeker.peek(utf8("\u0001\u0002garbage")).malformed()).isTrue();
    assertThat(CdpPeeker.peek(utf8("[1,2]")).malformed()).isTrue();
    assertThat(CdpPeeker.peek(utf8("42")).malformed()).isTrue();
  }

  @Test
  void aStringIdIsNotTakenForANumber() {
    CdpEnvelope envelope = CdpPeeker.peek(utf8("{\"id\":\"7\",\"method\":\"Runtime.enable\"}"));

    assertThat(envelope.id()).isNull();
  }
}
