package dev.tether.shim.stream;

import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.TunnelCodec;
import dev.tether.protocol.TunnelMessage;
import dev.tether.shim.inspector.InspectorInitializer;
import dev.tether.shim.inspector.InspectorListener;
import dev.tether.shim.transport.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.net.URI;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One DevTools session: a stream of the tunnel bridged to its own inspector WebSocket, with credit
 * flow control both ways. Everything here runs on the shim's single event loop.
 *
 * <p>Like Netty's proxy example, the inspector is read only after what it sent last was written to
 * the tunnel and the relay's credit allows more, so a slow DevTools client slows only its own
 * stream and the shim never queues without bound.
 */
final class Stream implements InspectorListener {
  private static final Logger log = LoggerFactory.getLogger(Stream.class);

  private enum State {
    CONNECTING,
    OPEN,
    CLOSED
  }

  private final int id;
  private final String session;
  private final String target;
  private final Channel tunnel;
  private final StreamLimits limits;
  private final Outbound outbound;
  private final Inbound inbound;
  private final Consumer<Stream> onClosed;
  private State state = State.CONNECTING;
  private Channel inspector;

  Stream(
      TunnelMessage.Open open, Channel tunnel, StreamLimits limits, Consumer<Stream> onClosed) {
    this.id = open.stream();
    this.session = open.session();
    this.target = open.target();
    this.tunnel = tunnel;
    this.limits = limits;
    this.outbound = new Outbound(id, open.window());
    this.inbound = new Inbound(limits.window(), limits.maxMessageBytes());
    this.onClosed = onClosed;
  }

  int id() {
    return id;
  }

  /** Dials the inspector; the stream answers {@code Opened} or {@code Close} when that settles. */
  void connect(Transport transport, URI webSocketUrl) {
    transport
        .bootstrap()
        .handler(
            new InspectorInitializer(
                transport, webSocketUrl, limits.maxInspectorFrameBytes(), this))
        .connect(webSocketUrl.getHost(), webSocketUrl.getPort())
        .addListener(
            (ChannelFuture connected) -> {
              if (!connected.isSuccess()) {
                inspectorClosed("cannot reach the inspector: " + connected.cause().getMessage());
              } else if (state == State.CLOSED) {
                connected.channel().close();
              }
            });
  }

  @Override
  public void inspectorOpened(Channel channel) {
    inspector = channel;
    if (state != State.CONNECTING) {
      channel.close();
      return;
    }
    state = State.OPEN;
    send(new TunnelMessage.Opened(id, limits.window()));
    log.info("session opened stream={} session={} target={}", id, session, target);
    channel.read();
  }

  @Override
  public void inspectorFrame(WebSocketFrame frame) {
    if (state != State.OPEN) {
      return;
    }
    outbound.offer(frame.content().retain(), frame.isFinalFragment());
    pump();
  }

  @Override
  public void inspectorClosed(String why) {
    if (state == State.CONNECTING) {
      close(CloseCodes.TARGET_UNAVAILABLE, why, true);
    } else if (state == State.OPEN) {
      close(CloseCodes.TARGET_GONE, why, true);
    }
  }

  /** The relay granted more credit for shim-to-relay data. */
  void credit(long bytes) {
    if (state != State.OPEN) {
      return;
    }
    outbound.grant(bytes);
    pump();
  }

  /** A chunk of a CDP message for the inspector; this takes ownership of {@code payload}. */
  void data(ByteBuf payload, boolean fin) {
    if (state != State.OPEN) {
      payload.release();
      if (state == State.CONNECTING) {
        close(CloseCodes.PROTOCOL_ERROR, "the relay sent data before the stream was opened", true);
      }
      return;
    }
    Inbound.Outcome outcome = inbound.accept(payload, fin);
    if (outcome instanceof Inbound.Message message) {
      writeToInspector(message.content());
    } else if (outcome instanceof Inbound.Refused refused) {
      close(refused.code(), refused.reason(), true);
    } else {
      grantCredit();
    }
  }

  /** The relay ended the stream: close the inspector session, answer nothing. */
  void closedByRelay(int code, String reason) {
    if (state != State.CLOSED) {
      log.debug("relay closed stream={} code={} reason={}", id, code, reason);
      close(code, reason, false);
    }
  }

  /** The shim ends the stream on purpose and tells the relay. */
  void end(int code, String reason) {
    if (state != State.CLOSED) {
      close(code, reason, true);
    }
  }

  /** The tunnel is gone; nobody is left to tell. */
  void tunnelLost() {
    if (state != State.CLOSED) {
      close(CloseCodes.AGENT_LOST, "the tunnel to the relay was lost", false);
    }
  }

  private void pump() {
    List<ByteBuf> frames = outbound.drain(tunnel.alloc());
    ChannelFuture last = null;
    for (ByteBuf frame : frames) {
      last = tunnel.write(new BinaryWebSocketFrame(frame));
    }
    if (last == null) {
      readMore();
      return;
    }
    tunnel.flush();
    if (outbound.isEmpty()) {
      last.addListener(
          (ChannelFuture written) -> {
            if (written.isSuccess()) {
              readMore();
            }
          });
    }
  }

  private void readMore() {
    if (state == State.OPEN && outbound.wantsMore()) {
      inspector.read();
    }
  }

  private void writeToInspector(ByteBuf message) {
    inbound.writeStarted();
    inspector
        .writeAndFlush(new TextWebSocketFrame(message))
        .addListener(
            (ChannelFuture written) -> {
              inbound.writeFinished();
              if (written.isSuccess()) {
                grantCredit();
              } else {
                inspectorClosed("writing to the inspector failed: " + written.cause().getMessage());
              }
            });
  }

  private void grantCredit() {
    long bytes = inbound.takeCredit();
    if (bytes > 0 && state == State.OPEN) {
      send(new TunnelMessage.Credit(id, bytes));
    }
  }

  private void close(int code, String reason, boolean tellRelay) {
    State was = state;
    state = State.CLOSED;
    if (tellRelay && tunnel.isActive()) {
      send(new TunnelMessage.Close(id, code, reason));
    }
    outbound.release();
    inbound.release();
    if (inspector != null && inspector.isActive()) {
      inspector
          .writeAndFlush(new CloseWebSocketFrame(CloseCodes.NORMAL, ""))
          .addListener(ChannelFutureListener.CLOSE);
    }
    onClosed.accept(this);
    if (was == State.OPEN) {
      log.info("session closed stream={} session={} code={} reason=\"{}\"", id, session, code, reason);
    } else {
      log.warn("session refused stream={} session={} target={} code={} reason=\"{}\"",
          id, session, target, code, reason);
    }
  }

  private void send(TunnelMessage message) {
    tunnel.writeAndFlush(new TextWebSocketFrame(TunnelCodec.encode(message)));
  }
}
