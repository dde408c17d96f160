package dev.tether.shim.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.protocol.DataFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutboundTest {
  private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

  private static DataFrame.Chunk decode(ByteBuf frame) throws Exception {
    return DataFrame.decode(frame.nioBuffer());
  }

  @Test
  void aLargeMessageIsCutIntoFullChunksWithFinOnlyOnTheLast() throws Exception {
    Outbound outbound = new Outbound(3, 1024 * 1024);
    outbound.offer(Unpooled.wrappedBuffer(new byte[150 * 1024]), true);

    List<ByteBuf> frames = outbound.drain(ALLOC);

    assertThat(frames).hasSize(3);
    assertThat(decode(frames.get(0)).payload().remaining()).isEqualTo(DataFrame.MAX_CHUNK);
    assertThat(decode(frames.get(0)).fin()).isFalse();
    assertThat(decode(frames.get(1)).fin()).isFalse();
    assertThat(decode(frames.get(2)).payload().remaining()).isEqualTo(150 * 1024 - 2 * DataFrame.MAX_CHUNK);
    assertThat(decode(frames.get(2)).fin()).isTrue();
    assertThat(decode(frames.get(2)).stream()).isEqualTo(3);
    assertThat(outbound.isEmpty()).isTrue();
    assertThat(outbound.credit()).isEqualTo(1024 * 1024 - 150 * 1024);
    frames.forEach(ByteBuf::release);
  }

  @Test
  void sendingStopsWhenTheCreditIsSpentAndGoesOnWhenMoreIsGranted() throws Exception {
    Outbound outbound = new Outbound(1, 100_000);
    outbound.offer(Unpooled.wrappedBuffer(new byte[250_000]), true);

    List<ByteBuf> first = outbound.drain(ALLOC);
    long sentFirst = first.stream().mapToLong(f -> f.readableBytes() - DataFrame.HEADER_BYTES).sum();

    assertThat(sentFirst).isEqualTo(100_000);
    assertThat(outbound.credit()).isZero();
    assertThat(outbound.isEmpty()).isFalse();
    assertThat(outbound.wantsMore()).isFalse();
    assertThat(outbound.drain(ALLOC)).isEmpty();

    outbound.grant(200_000);
    List<ByteBuf> rest = outbound.drain(ALLOC);
    long sentRest = rest.stream().mapToLong(f -> f.readableBytes() - DataFrame.HEADER_BYTES).sum();

    assertThat(sentRest).isEqualTo(150_000);
    assertThat(decode(rest.get(rest.size() - 1)).fin()).isTrue();
    assertThat(outbound.wantsMore()).isTrue();
    first.forEach(ByteBuf::release);
    rest.forEach(ByteBuf::release);
  }

  @Test
  void aFragmentWithoutFinLeavesTheMessageOpenForItsContinuation() throws Exception {
    Outbound outbound = new Outbound(1, 1024 * 1024);
    outbound.offer(Unpooled.wrappedBuffer(new byte[10]), false);
    outbound.offer(Unpooled.wrappedBuffer(new byte[5]), true);

    List<ByteBuf> frames = outbound.drain(ALLOC);

    assertThat(frames).hasSize(2);
    assertThat(decode(frames.get(0)).fin()).isFalse();
    assertThat(decode(frames.get(1)).fin()).isTrue();
    frames.forEach(ByteBuf::release);
  }

  @Test
  void anEmptyFinalFragmentStillEndsTheMessageEvenWithoutCredit() throws Exception {
    Outbound outbound = new Outbound(1, 64 * 1024);
    outbound.offer(Unpooled.wrappedBuffer(new byte[64 * 1024]), false);
    outbound.offer(Unpooled.EMPTY_BUFFER, true);

    List<ByteBuf> frames = outbound.drain(ALLOC);

    assertThat(frames).hasSize(2);
    assertThat(decode(frames.get(1)).payload().remaining()).isZero();
    assertThat(decode(frames.get(1)).fin()).isTrue();
    frames.forEach(ByteBuf::release);
  }

  @Test
  void releasingDropsWhatWasNotSent() {
    Outbound outbound = new Outbound(1, 10);
    ByteBuf content = Unpooled.buffer(100).writeZero(100);
    outbound.offer(content, true);
    outbound.drain(ALLOC).forEach(ByteBuf::release);

    outbound.release();

    assertThat(content.refCnt()).isZero();
  }
}
