package dev.tether.shim.tunnel;

import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.ProtocolException;
import dev.tether.protocol.Tunnel;
import dev.tether.protocol.TunnelCodec;
import dev.tether.protocol.TunnelMessage;
import dev.tether.shim.inspector.InspectorSnapshot;
import dev.tether.shim.stream.Streams;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection of the agent tunnel: upgrades with the agent token and the {@code tether.v2}
 * subprotocol, says {@code Hello}, waits for {@code Welcome}, then routes control messages and
 * data frames to the {@link Streams} and keeps the link alive with pings.
 *
 * <p>It remembers why the connection ended (a refusal, the relay's close frame, silence) so the
 * {@link TunnelClient} can log one readable line per outage.
 */
final class TunnelHandler extends SimpleChannelInboundHandler<Object> {
  private static final Logger LOG = LoggerFactory.getLogger(TunnelHandler.class);
  /** Control messages and data frames are small; this only bounds a broken relay. */
  private static final int MAX_FRAME_BYTES = 1024 * 1024;
  /** "snapshots": this shim takes snapshot points, so the relay may send them. */
  private static final List<String> CAPABILITIES = List.of("credit", "resume", "snapshots");

  private final TunnelClient client;
  private final TunnelConfig config;
  private final InspectorSnapshot inspector;
  private final Streams streams;
  private final WebSocketClientHandshaker handshaker;
  private ScheduledFuture<?> welcomeTimeout;
  private ScheduledFuture<?> heartbeat;
  private boolean welcomed;
  private long lastReadNanos = System.nanoTime();
  private String endReason = "the connection closed";
  private boolean retry = true;
  private Refusal refusal;

  TunnelHandler(
      TunnelClient client, TunnelConfig config, InspectorSnapshot inspector, Streams streams) {
    this.client = client;
    this.config = config;
    this.inspector = inspector;
    this.streams = streams;
    HttpHeaders headers =
        new DefaultHttpHeaders()
            .set(HttpHeaderNames.AUTHORIZATION, "Bearer " + config.token())
            .set(HttpHeaderNames.USER_AGENT, "tether-shim/" + config.shimVersion());
    this.handshaker =
        WebSocketClientHandshakerFactory.newHandshaker(
            config.relay(),
            WebSocketVersion.V13,
            Tunnel.SUBPROTOCOL,
            false,
            headers,
            MAX_FRAME_BYTES);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    handshaker.handshake(ctx.channel());
    long timeout = config.handshakeTimeout().toMillis();
    welcomeTimeout =
        ctx.executor()
            .schedule(
                () -> end(ctx, "the relay did not welcome the shim within " + timeout + " ms"),
                timeout,
                TimeUnit.MILLISECONDS);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
    lastReadNanos = System.nanoTime();
    if (!handshaker.isHandshakeComplete()) {
      upgraded(ctx, (FullHttpResponse) msg);
    } else if (msg instanceof BinaryWebSocketFrame frame) {
      if (welcomed) {
        streams.data(frame.content());
      }
    } else if (msg instanceof TextWebSocketFrame frame) {
      control(ctx, frame.text());
    } else if (msg instanceof PingWebSocketFrame ping) {
      ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
    } else if (msg instanceof CloseWebSocketFrame close) {
      int code = close.statusCode();
      endReason = "the relay closed the tunnel code=" + code + " reason=\"" + close.reasonText() + "\"";
      if (code == CloseCodes.REPLACED) {
        retry = false;
      }
      ctx.writeAndFlush(new CloseWebSocketFrame(code, "")).addListener(ChannelFutureListener.CLOSE);
    } else if (!(msg instanceof PongWebSocketFrame)) {
      LOG.debug("ignored an unexpected tunnel frame {}", msg.getClass().getSimpleName());
    }
  }

  private void upgraded(ChannelHandlerContext ctx, FullHttpResponse response) {
    if (!response.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
      refusal = Refusal.of(response);
      end(ctx, refusal.describe(config.function()));
      return;
    }
    try {
      handshaker.finishHandshake(ctx.channel(), response);
    } catch (WebSocketHandshakeException e) {
      end(ctx, "the relay's upgrade response was not a " + Tunnel.SUBPROTOCOL + " tunnel: "
          + e.getMessage());
      return;
    }
    // The relay may fragment a frame; the tunnel's units are whole frames.
    ctx.pipeline().addBefore(ctx.name(), "ws-aggregator", new WebSocketFrameAggregator(MAX_FRAME_BYTES));
    TunnelMessage.Hello hello =
        new TunnelMessage.Hello(
            config.function(),
            config.instance(),
            inspector.runtime(),
            inspector.publicTargets(),
            CAPABILITIES,
            config.shimVersion(),
            streams.resuming(),
            streams.positions(),
            client.resumeSecret());
    ctx.writeAndFlush(new TextWebSocketFrame(TunnelCodec.encode(hello)));
  }

  private void control(ChannelHandlerContext ctx, String json) {
    TunnelMessage message;
    try {
      message = TunnelCodec.decode(json);
    } catch (ProtocolException e) {
      LOG.warn("ignored an invalid control message from the relay: {}", e.getMessage());
      return;
    }
    if (message instanceof TunnelMessage.Welcome welcome) {
      welcome(ctx, welcome);
    } else if (!welcomed) {
      LOG.debug("ignored {} before welcome", message.getClass().getSimpleName());
    } else if (message instanceof TunnelMessage.Open open) {
      streams.open(open);
    } else if (message instanceof TunnelMessage.Close close) {
      streams.close(close);
    } else if (message instanceof TunnelMessage.Credit credit) {
      streams.credit(credit);
    } else {
      client.control(message);
    }
  }

  private void welcome(ChannelHandlerContext ctx, TunnelMessage.Welcome welcome) {
    if (welcomed) {
      return;
    }
    welcomed = true;
    welcomeTimeout.cancel(false);
    streams.attach(ctx.channel(), inspector, welcome);
    long period = welcome.heartbeatSeconds();
    heartbeat =
        ctx.executor().scheduleAtFixedRate(() -> beat(ctx, period), period, period, TimeUnit.SECONDS);
    client.registered(ctx.channel(), inspector, welcome.resumeSecret());
  }

  private void beat(ChannelHandlerContext ctx, long periodSeconds) {
    long silentSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - lastReadNanos);
    if (silentSeconds >= 3 * periodSeconds) {
      String reason = "the relay did not answer pings for " + silentSeconds + " s";
      // Tell the relay (if it can still hear) that this shim will resume, so it keeps the sessions.
      ctx.writeAndFlush(new CloseWebSocketFrame(CloseCodes.RESUMING, "no pong; resuming"));
      end(ctx, reason);
    } else {
      ctx.writeAndFlush(new PingWebSocketFrame());
    }
  }

  private void end(ChannelHandlerContext ctx, String reason) {
    endReason = reason;
    ctx.close();
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    streams.readComplete();
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (welcomeTimeout != null) {
      welcomeTimeout.cancel(false);
    }
    if (heartbeat != null) {
      heartbeat.cancel(false);
    }
    client.lost(ctx.channel(), endReason, refusal, retry);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    end(ctx, cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
  }
}
