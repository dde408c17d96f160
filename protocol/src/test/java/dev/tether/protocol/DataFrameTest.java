package dev.tether.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DataFrameTest {

  @Test
  void aChunkRoundTripsWithItsStreamAndFin() throws Exception {
    ByteBuffer payload = ByteBuffer.wrap("{\"id\":1}".getBytes(StandardCharsets.UTF_8));

    DataFrame.Chunk chunk = DataFrame.decode(DataFrame.encode(42, true, payload));

    assertThat(chunk.stream()).isEqualTo(42);
    assertThat(chunk.fin()).isTrue();
    assertThat(StandardCharsets.UTF_8.decode(chunk.payload()).toString()).isEqualTo("{\"id\":1}");
    assertThat(payload.position()).as("the caller's buffer is not consumed").isZero();
  }

  @Test
  void aMiddleChunkHasNoFin() throws Exception {
    ByteBuffer frame = DataFrame.encode(1, false, ByteBuffer.wrap(new byte[] {1, 2, 3}));

    assertThat(DataFrame.decode(frame).fin()).isFalse();
  }

  @Test
  void decodingDoesNotCopyThePayload() throws Exception {
    ByteBuffer frame = DataFrame.encode(5, true, ByteBuffer.wrap(new byte[] {9}));

    DataFrame.Chunk chunk = DataFrame.decode(frame);
    frame.put(DataFrame.HEADER_BYTES, (byte) 7);

    assertThat(chunk.payload().get(0)).isEqualTo((byte) 7);
  }

  @Test
  void aFrameShorterThanItsHeaderIsRefused() {
    assertThatThrownBy(() -> DataFrame.decode(ByteBuffer.wrap(new byte[] {0, 0, 1})))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("shorter than its header");
  }

  @Test
  void streamZeroAndNegativeStreamsAreRefused() {
    ByteBuffer zero = ByteBuffer.allocate(6).putInt(0).put((byte) 1).put((byte) 'x').flip();
    ByteBuffer negative = ByteBuffer.allocate(6).putInt(-4).put((byte) 1).put((byte) 'x').flip();

    assertThatThrownBy(() -> DataFrame.decode(zero)).isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> DataFrame.decode(negative)).isInstanceOf(ProtocolException.class);
  }

  @Test
  void unknownFlagsAreRefused() {
    ByteBuffer frame = ByteBuffer.allocate(6).putInt(1).put((byte) 0x42).put((byte) 'x').flip();

    assertThatThrownBy(() -> DataFrame.decode(frame)).hasMessageContaining("unknown flags");
  }

  @Test
  void aChunkLargerThanTheMaximumIsRefused() {
    ByteBuffer frame = DataFrame.encode(1, true, ByteBuffer.allocate(DataFrame.MAX_CHUNK + 1));

    assertThatThrownBy(() -> DataFrame.decode(frame)).hasMessageContaining("exceeds");
  }
}
