package dev.tether.shim.stream;

import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.DataFrame;
import dev.tether.protocol.ProtocolException;
import dev.tether.protocol.StreamPosition;
import dev.tether.protocol.TunnelCodec;
import dev.tether.protocol.TunnelMessage;
import dev.tether.shim.inspector.InspectorSnapshot;
import dev.tether.shim.inspector.InspectorTarget;
import dev.tether.shim.transport.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live streams of the current tunnel, by id: opens an inspector session per {@code Open},
 * routes credit and data. When the tunnel drops they wait, inspector sessions open, for as long
 * as the relay keeps them (its welcome's grace period); a resuming welcome picks them up again.
 * Event loop only.
 *
 * <p>Nothing the relay sends can crash the shim: unknown streams and malformed frames are logged
 * and dropped, and a broken rule closes only the stream it concerns.
 */
public final class Streams {
  private static final Logger LOG = LoggerFactory.getLogger(Streams.class);

  /** Hears when inspector sessions open and close (e.g. to release a function held for them). */
  public interface SessionListener {
    void opened();

    void closed();

    /** The relay welcomed the shim; {@code hold}: a function session is attached. */
    default void welcomed(boolean hold) {}
  }

  private static final SessionListener NOBODY =
      new SessionListener() {
        @Override
        public void opened() {}

        @Override
        public void closed() {}
      };

  /** Where a stream's inspector WebSocket is; may open the inspector first (on demand). */
  public interface TargetOpener {
    CompletableFuture<URI> open(InspectorTarget target);
  }

  private final Transport transport;
  private final StreamLimits limits;
  private SessionListener sessions = NOBODY;
  private TargetOpener opener =
      target -> CompletableFuture.completedFuture(target.webSocketUrl());
  private final Map<Integer, Stream> live = new HashMap<>();
  /** Streams that wrote towards their inspector during the tunnel's current read. */
  private final Set<Stream> unflushed = new LinkedHashSet<>();
  private Channel tunnel;
  private InspectorSnapshot inspector;
  private boolean everAttached;
  private long graceSeconds;
  private ScheduledFuture<?> graceTimer;

  public Streams(Transport transport, StreamLimits limits) {
    this.transport = transport;
    this.limits = limits;
  }

  /** Adds a listener; several hear the same events (a debugger gate, the snapshot points). */
  public void sessionListener(SessionListener listener) {
    SessionListener before = this.sessions;
    this.sessions = before == NOBODY ? listener : new SessionListener() {
      @Override
      public void opened() {
        before.opened();
        listener.opened();
      }

      @Override
      public void closed() {
        before.closed();
        listener.closed();
      }

      @Override
      public void welcomed(boolean hold) {
        before.welcomed(hold);
        listener.welcomed(hold);
      }
    };
  }

  public void targetOpener(TargetOpener opener) {
    this.opener = opener;
  }

  /**
   * A tunnel was welcomed; streams opened from now on use it and these targets. The streams the
   * relay resumed continue on it; every other waiting stream ends, since the relay no longer has
   * it (it restarted, or the tunnel was down longer than its grace period).
   */
  public void attach(Channel tunnel, InspectorSnapshot inspector, TunnelMessage.Welcome welcome) {
    this.tunnel = tunnel;
    this.inspector = inspector;
    this.everAttached = true;
    this.graceSeconds = welcome.graceSeconds();
    sessions.welcomed(welcome.holds());
    if (graceTimer != null) {
      graceTimer.cancel(false);
      graceTimer = null;
    }
    Map<Integer, StreamPosition> relayHas = new HashMap<>();
    welcome.streams().forEach(p -> relayHas.put(p.stream(), p));
    for (Stream stream : new ArrayList<>(live.values())) {
      StreamPosition position = relayHas.get(stream.id());
      if (position != null) {
        stream.resume(tunnel, position);
      } else {
        stream.forget("the relay no longer has this session (it restarted, or the tunnel was"
            + " down longer than its grace period)");
      }
    }
  }

  /** True once a tunnel was welcomed: the next hello resumes. */
  public boolean resuming() {
    return everAttached;
  }

  /** Where each live stream is, for a resuming hello. */
  public List<StreamPosition> positions() {
    List<StreamPosition> positions = new ArrayList<>(live.size());
    for (Stream stream : live.values()) {
      positions.add(stream.position());
    }
    return List.copyOf(positions);
  }

  /**
   * The tunnel dropped: the streams wait for a resume, inspector sessions open, but no longer
   * than the relay would keep them; after that a paused debugger must not hold the function.
   */
  public void suspend() {
    tunnel = null;
    if (live.isEmpty()) {
      return;
    }
    if (graceSeconds <= 0) {
      closeAll();
      return;
    }
    live.values().forEach(Stream::suspend);
    LOG.info("tunnel down; keeping sessions={} for up to {}s", live.size(), graceSeconds);
    graceTimer =
        transport
            .group()
            .next()
            .schedule(
                () -> {
                  graceTimer = null;
                  if (tunnel == null) {
                    endAll("the tunnel stayed down longer than the relay's grace period of "
                        + graceSeconds + "s");
                  }
                },
                graceSeconds,
                TimeUnit.SECONDS);
  }

  public void open(TunnelMessage.Open open) {
    LOG.debug("stream open received stream={}", open.stream());
    if (live.containsKey(open.stream())) {
      LOG.warn("ignored a second open of a live stream stream={}", open.stream());
      return;
    }
    Optional<InspectorTarget> target =
        inspector == null ? Optional.empty() : inspector.target(open.target());
    if (target.isEmpty()) {
      LOG.warn("open for an unknown target stream={} target={}", open.stream(), open.target());
      tunnel.writeAndFlush(
          new TextWebSocketFrame(
              TunnelCodec.encode(
                  new TunnelMessage.Close(
                      open.stream(),
                      CloseCodes.TARGET_GONE,
                      "this instance has no inspector target " + open.target()
                          + "; it may have exited"))));
      return;
    }
    Stream stream =
        new Stream(open, tunnel, limits, sessions, closed -> live.remove(closed.id(), closed));
    live.put(open.stream(), stream);
    EventLoop loop = tunnel.eventLoop();
    opener
        .open(target.get())
        .whenComplete(
            (url, error) -> {
              Runnable next =
                  error == null
                      ? () -> stream.connect(transport, url)
                      : () -> stream.inspectorClosed(rootMessage(error));
              if (loop.inEventLoop()) {
                next.run();
              } else {
                loop.execute(next);
              }
            });
  }

  public void close(TunnelMessage.Close close) {
    Stream stream = live.get(close.stream());
    if (stream == null) {
      LOG.debug("close for an unknown stream stream={}", close.stream());
      return;
    }
    stream.closedByRelay(close.code(), close.reason());
  }

  public void credit(TunnelMessage.Credit credit) {
    Stream stream = live.get(credit.stream());
    if (stream == null) {
      LOG.debug("credit for an unknown stream stream={}", credit.stream());
      return;
    }
    stream.credit(credit.bytes(), credit.ack());
  }

  /** One binary tunnel frame; the caller keeps ownership of {@code frame}. */
  public void data(ByteBuf frame) {
    DataFrame.Chunk chunk;
    try {
      chunk = DataFrame.decode(frame.nioBuffer());
    } catch (ProtocolException e) {
      LOG.warn("ignored a malformed data frame from the relay: {}", e.getMessage());
      return;
    }
    Stream stream = live.get(chunk.stream());
    if (stream == null) {
      LOG.debug("data for an unknown stream stream={}", chunk.stream());
      return;
    }
    ByteBuf payload =
        frame.retainedSlice(
            frame.readerIndex() + DataFrame.HEADER_BYTES,
            frame.readableBytes() - DataFrame.HEADER_BYTES);
    stream.data(payload, chunk.fin());
    unflushed.add(stream);
  }

  /**
   * The tunnel's read ended: each stream that got data flushes its inspector once, so pipelined
   * commands that came in one read leave in one write.
   */
  public void readComplete() {
    if (unflushed.isEmpty()) {
      return;
    }
    for (Stream stream : unflushed) {
      stream.tunnelReadComplete();
    }
    unflushed.clear();
  }

  /** The tunnel is closed for good: end every inspector session. */
  public void closeAll() {
    endAll("the tunnel to the relay was closed");
    tunnel = null;
  }

  private void endAll(String why) {
    if (graceTimer != null) {
      graceTimer.cancel(false);
      graceTimer = null;
    }
    new ArrayList<>(live.values()).forEach(stream -> stream.forget(why));
    live.clear();
  }

  private static String rootMessage(Throwable error) {
    Throwable t = error;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  public int size() {
    return live.size();
  }
}
