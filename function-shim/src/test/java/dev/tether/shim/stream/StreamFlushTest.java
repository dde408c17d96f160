package dev.tether.shim.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.protocol.DataFrame;
import dev.tether.protocol.TunnelMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A read's worth of pipelined messages leaves a stream in one flush, in either direction. */
class StreamFlushTest {
  private final FlushCounter tunnelFlushes = new FlushCounter();
  private final FlushCounter inspectorFlushes = new FlushCounter();
  private final EmbeddedChannel tunnel = new EmbeddedChannel(tunnelFlushes);
  private final EmbeddedChannel inspector = new EmbeddedChannel(inspectorFlushes);
  private Stream stream;

  @BeforeEach
  void openTheStream() {
    stream = new Stream(new TunnelMessage.Open(1, "target-1", "session-1", 1024 * 1024), tunnel,
        StreamLimits.DEFAULTS, new Streams.SessionListener() {
          @Override
          public void opened() {}

          @Override
          public void closed() {}
        }, closed -> {});
    stream.inspectorOpened(inspector);
    ReferenceCountUtil.release(tunnel.readOutbound()); // the Opened message
    tunnelFlushes.count = 0;
  }

  @AfterEach
  void closeChannels() {
    tunnel.finishAndReleaseAll();
    inspector.finishAndReleaseAll();
  }

  @Test
  void repliesOfOneInspectorReadGoToTheTunnelInOneFlushWhenTheReadEnds() {
    for (int id = 1; id <= 3; id++) {
      TextWebSocketFrame reply = new TextWebSocketFrame("{\"id\":" + id + ",\"result\":{}}");
      stream.inspectorFrame(reply);
      reply.release();
    }

    assertThat(tunnelFlushes.count).isZero();
    assertThat((Object) tunnel.readOutbound()).isNull();

    stream.inspectorReadComplete();

    assertThat(tunnelFlushes.count).isEqualTo(1);
    for (int id = 1; id <= 3; id++) {
      BinaryWebSocketFrame frame = tunnel.readOutbound();
      assertThat(payload(frame.content())).isEqualTo("{\"id\":" + id + ",\"result\":{}}");
      frame.release();
    }
  }

  @Test
  void commandsOfOneTunnelReadGoToTheInspectorInOneFlushWhenTheReadEnds() {
    for (int id = 1; id <= 3; id++) {
      stream.data(Unpooled.copiedBuffer("{\"id\":" + id + ",\"method\":\"Runtime.evaluate\"}",
          StandardCharsets.UTF_8), true);
    }

    assertThat(inspectorFlushes.count).isZero();

    stream.tunnelReadComplete();

    assertThat(inspectorFlushes.count).isEqualTo(1);
    for (int id = 1; id <= 3; id++) {
      TextWebSocketFrame frame = inspector.readOutbound();
      assertThat(frame.text()).isEqualTo("{\"id\":" + id + ",\"method\":\"Runtime.evaluate\"}");
      frame.release();
    }
  }

  @Test
  void aReadThatWroteNothingFlushesNothing() {
    stream.inspectorReadComplete();
    stream.tunnelReadComplete();

    assertThat(tunnelFlushes.count).isZero();
    assertThat(inspectorFlushes.count).isZero();
  }

  private static String payload(ByteBuf frame) {
    return frame.toString(frame.readerIndex() + DataFrame.HEADER_BYTES,
        frame.readableBytes() - DataFrame.HEADER_BYTES, StandardCharsets.UTF_8);
  }

  /** Counts the flushes that reach the channel. */
  private static final class FlushCounter extends ChannelOutboundHandlerAdapter {
    int count;

    @Override
    public void flush(ChannelHandlerContext ctx) {
      count++;
      ctx.flush();
    }
  }
}
