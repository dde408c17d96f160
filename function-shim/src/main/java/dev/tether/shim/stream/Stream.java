package dev.tether.shim.stream;

import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.ProtocolException;
import dev.tether.protocol.ReplayBuffer;
import dev.tether.protocol.StreamPosition;
import dev.tether.protocol.Tunnel;
import dev.tether.protocol.TunnelCodec;
import dev.tether.protocol.TunnelMessage;
import dev.tether.shim.inspector.InspectorInitializer;
import dev.tether.shim.inspector.InspectorListener;
import dev.tether.shim.sourcemap.ResourceCommands;
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
import java.util.ArrayDeque;
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
 *
 * <p>The stream outlives a dropped tunnel: while it is down nothing is read from the inspector,
 * what the inspector sent last waits, and every data frame sent stays in a {@link ReplayBuffer}
 * until the relay acknowledges it, so {@link #resume} sends again exactly what the relay missed.
 *
 * <p>A few DevTools commands never reach the inspector: {@link ResourceCommands} answers the ones
 * that fetch source maps from the function's disk, and its reply joins the inspector's messages
 * on the way back, between whole messages.
 */
final class Stream implements InspectorListener {
  private static final Logger LOG = LoggerFactory.getLogger(Stream.class);

  private static final int OWN_REPLIES_MAX = 16;

  private enum State {
    CONNECTING,
    OPEN,
    CLOSED
  }

  private final int id;
  private final String session;
  private final String target;
  private final StreamLimits limits;
  private final Outbound outbound;
  private final Inbound inbound;
  private final Consumer<Stream> onClosed;
  private final Streams.SessionListener sessions;
  private final ReplayBuffer<ByteBuf> replay = new ReplayBuffer<>(ByteBuf::release);
  /** Source maps for hosted DevTools, answered here because Node does not (see the class). */
  private final ResourceCommands resources =
      new ResourceCommands(ResourceCommands.currentCodeDirectory());
  /** Replies of the shim's own, waiting while an inspector message is only partly queued. */
  private final ArrayDeque<ByteBuf> ownReplies = new ArrayDeque<>();
  /** Each direction's time in the shim, logged when the session closes. */
  private final ShimLatency toInspector = new ShimLatency();
  private final ShimLatency toRelay = new ShimLatency();
  /** When the oldest inspector frame not yet written to the tunnel arrived; 0 when none waits. */
  private long inspectorWaitingSince;
  private boolean inspectorMidMessage;
  private State state = State.CONNECTING;
  private Channel tunnel;
  private Channel inspector;
  /** The tunnel written to since the inspector's read began, to flush when the read ends. */
  private Channel tunnelUnflushed;
  /** Written to the inspector since the tunnel's read began; Streams flushes it when it ends. */
  private boolean inspectorUnflushed;
  private long received;
  private long credited;
  private long lastAck;

  Stream(
      TunnelMessage.Open open,
      Channel tunnel,
      StreamLimits limits,
      Streams.SessionListener sessions,
      Consumer<Stream> onClosed) {
    this.sessions = sessions;
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
    if (state == State.CLOSED) {
      return; // the relay closed it while the inspector was being opened
    }
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
              } else {
                // An attach's fixed cost is split by these timestamps (BENCHMARKS, B1s).
                LOG.debug("inspector connected stream={}", id);
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
    sessions.opened();
    send(new TunnelMessage.Opened(id, limits.window()));
    LOG.info("session opened stream={} session={} target={}", id, session, target);
    channel.read();
  }

  @Override
  public void inspectorFrame(WebSocketFrame frame) {
    if (state != State.OPEN) {
      return;
    }
    if (frame instanceof TextWebSocketFrame && frame.isFinalFragment()) {
      resources.watch(frame.content());
    }
    if (inspectorWaitingSince == 0) {
      inspectorWaitingSince = System.nanoTime();
    }
    outbound.offer(frame.content().retain(), frame.isFinalFragment());
    inspectorMidMessage = !frame.isFinalFragment();
    if (!inspectorMidMessage) {
      while (!ownReplies.isEmpty()) {
        outbound.offer(ownReplies.poll(), true);
      }
    }
    pump(false);
  }

  @Override
  public void inspectorReadComplete() {
    Channel link = tunnelUnflushed;
    tunnelUnflushed = null;
    if (link != null) {
      link.flush();
    }
  }

  /** The tunnel's read ended: one flush towards the inspector for all it delivered. */
  void tunnelReadComplete() {
    if (inspectorUnflushed) {
      inspectorUnflushed = false;
      if (inspector != null) {
        inspector.flush();
      }
    }
  }

  @Override
  public void inspectorClosed(String why) {
    if (state == State.CONNECTING) {
      close(CloseCodes.TARGET_UNAVAILABLE, why, true);
    } else if (state == State.OPEN) {
      close(CloseCodes.TARGET_GONE, why, true);
    }
  }

  /** The relay granted more credit for shim-to-relay data, and acknowledged {@code ack} frames. */
  void credit(long bytes, long ack) {
    if (state != State.OPEN) {
      return;
    }
    try {
      replay.ack(ack);
    } catch (ProtocolException e) {
      close(CloseCodes.PROTOCOL_ERROR, e.getMessage(), true);
      return;
    }
    if (bytes > 0) {
      outbound.grant(bytes);
    }
    pump(true);
  }

  /** How far this stream got receiving from the relay, for a resuming hello. */
  StreamPosition position() {
    return new StreamPosition(id, received, credited);
  }

  /** The tunnel dropped: nothing leaves until {@link #resume}; the inspector is not read. */
  void suspend() {
    tunnel = null;
  }

  /**
   * The relay resumed this stream on {@code next}: forget what it received, take the credit whose
   * message was lost, say opened again (the relay ignores a second one), and send the rest again.
   */
  void resume(Channel next, StreamPosition relay) {
    tunnel = next;
    if (state != State.OPEN) {
      return; // still connecting: opened goes out on the new tunnel when the inspector answers
    }
    List<ByteBuf> missing;
    try {
      missing = replay.resumeAfter(relay.received());
    } catch (ProtocolException e) {
      close(CloseCodes.PROTOCOL_ERROR, e.getMessage(), true);
      return;
    }
    outbound.grantedInTotal(relay.credited());
    send(new TunnelMessage.Opened(id, limits.window()));
    for (ByteBuf frame : missing) {
      next.write(new BinaryWebSocketFrame(frame.retainedDuplicate()));
    }
    next.flush();
    LOG.debug("stream resumed stream={} resent={}", id, missing.size());
    pump(true);
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
    received++;
    Inbound.Outcome outcome = inbound.accept(payload, fin);
    if (outcome instanceof Inbound.Message message) {
      ByteBuf reply = resources.answer(message.content());
      if (reply == null) {
        writeToInspector(message.content(), System.nanoTime());
      } else {
        message.content().release();
        reply(reply);
        grantCredit();
      }
    } else if (outcome instanceof Inbound.Refused refused) {
      close(refused.code(), refused.reason(), true);
    } else {
      grantCredit();
    }
    if (state == State.OPEN && received - lastAck >= Tunnel.ACK_EVERY) {
      lastAck = received;
      send(new TunnelMessage.Credit(id, 0, received));
    }
  }

  /** The relay ended the stream: close the inspector session, answer nothing. */
  void closedByRelay(int code, String reason) {
    if (state != State.CLOSED) {
      LOG.debug("relay closed stream={} code={} reason={}", id, code, reason);
      close(code, reason, false);
    }
  }

  /** The relay no longer has this stream, or the tunnel is gone for good; nobody is left to tell. */
  void forget(String why) {
    if (state != State.CLOSED) {
      close(CloseCodes.AGENT_LOST, why, false);
    }
  }

  /**
   * Writes what the relay's credit allows to the tunnel; {@code flushNow} false: the inspector's
   * read is still handing over frames, and {@link #inspectorReadComplete} flushes them together.
   */
  private void pump(boolean flushNow) {
    Channel link = tunnel;
    if (link == null || replay.full()) {
      return; // the tunnel is down, or the relay is behind with acknowledgements
    }
    List<ByteBuf> frames = outbound.drain(link.alloc());
    ChannelFuture last = null;
    for (ByteBuf frame : frames) {
      replay.add(frame);
      last = link.write(new BinaryWebSocketFrame(frame.retainedDuplicate()));
    }
    if (last == null) {
      readMore();
      return;
    }
    if (flushNow) {
      link.flush();
    } else {
      tunnelUnflushed = link;
    }
    long since = inspectorWaitingSince;
    // What stays (credit ran out) is timed from now: a lower bound for those frames.
    inspectorWaitingSince = outbound.isEmpty() ? 0 : System.nanoTime();
    if (since != 0) {
      last.addListener((ChannelFuture written) -> toRelay.record(System.nanoTime() - since));
    }
    if (outbound.isEmpty()) {
      last.addListener(
          (ChannelFuture written) -> {
            if (written.isSuccess()) {
              readMore();
            }
          });
    }
  }

  /** Sends a reply the shim made itself, between whole inspector messages. */
  private void reply(ByteBuf reply) {
    if (inspectorMidMessage) {
      if (ownReplies.size() >= OWN_REPLIES_MAX) {
        reply.release();
        close(CloseCodes.POLICY_VIOLATION, "too many source map requests at once", true);
        return;
      }
      ownReplies.add(reply);
      return;
    }
    outbound.offer(reply, true);
    pump(true);
  }

  private void readMore() {
    if (state == State.OPEN && tunnel != null && !replay.full() && outbound.wantsMore()) {
      inspector.read();
    }
  }

  /** {@code arrived}: when its last chunk came from the relay. */
  private void writeToInspector(ByteBuf message, long arrived) {
    inbound.writeStarted();
    inspectorUnflushed = true;
    inspector
        .write(new TextWebSocketFrame(message))
        .addListener(
            (ChannelFuture written) -> {
              inbound.writeFinished();
              toInspector.record(System.nanoTime() - arrived);
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
      // Counted even while the tunnel is down: the resume positions carry what the message could not.
      credited += bytes;
      lastAck = received;
      send(new TunnelMessage.Credit(id, bytes, received));
    }
  }

  private void close(int code, String reason, boolean tellRelay) {
    State was = state;
    state = State.CLOSED;
    if (tellRelay) {
      send(new TunnelMessage.Close(id, code, reason));
    }
    outbound.release();
    ownReplies.forEach(ByteBuf::release);
    ownReplies.clear();
    replay.clear();
    inbound.release();
    if (inspector != null && inspector.isActive()) {
      inspector
          .writeAndFlush(new CloseWebSocketFrame(CloseCodes.NORMAL, ""))
          .addListener(ChannelFutureListener.CLOSE);
    }
    onClosed.accept(this);
    if (was == State.OPEN) {
      sessions.closed();
      LOG.info("session closed stream={} session={} code={} reason=\"{}\" inShimToInspector=\"{}\""
          + " inShimToRelay=\"{}\"", id, session, code, reason, toInspector.summary(),
          toRelay.summary());
    } else {
      LOG.warn("session refused stream={} session={} target={} code={} reason=\"{}\"",
          id, session, target, code, reason);
    }
  }

  /** Sends a control message now, or drops it while the tunnel is down (a resume restates it). */
  private void send(TunnelMessage message) {
    Channel link = tunnel;
    if (link != null && link.isActive()) {
      link.writeAndFlush(new TextWebSocketFrame(TunnelCodec.encode(message)));
    }
  }
}
