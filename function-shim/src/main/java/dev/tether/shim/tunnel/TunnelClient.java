package dev.tether.shim.tunnel;

import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.TunnelCodec;
import dev.tether.protocol.TunnelMessage;
import dev.tether.shim.inspector.InspectorSnapshot;
import dev.tether.shim.stream.Streams;
import dev.tether.shim.transport.Transport;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.URI;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent tunnel's life: dial out, register, and when the link goes, dial again after a capped,
 * jittered backoff, forever and quietly (one WARN per outage, DEBUG after that).
 *
 * <p>Each attempt first asks the inspector for its targets, so a reconnect always says a fresh
 * {@code Hello}. State lives on the event loop; {@link #awaitRegistered} may be called anywhere.
 */
public final class TunnelClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TunnelClient.class);
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(2);

  /** Where the tunnel is in its life. */
  public enum State {
    NEW,
    CONNECTING,
    REGISTERED,
    WAITING,
    STOPPED,
    CLOSED;

    boolean canMoveTo(State next) {
      return switch (this) {
        case NEW -> next == CONNECTING || next == CLOSED;
        case CONNECTING -> next == REGISTERED || next == WAITING || next == STOPPED || next == CLOSED;
        case REGISTERED -> next == WAITING || next == STOPPED || next == CLOSED;
        case WAITING -> next == CONNECTING || next == CLOSED;
        case STOPPED -> next == CLOSED;
        case CLOSED -> false;
      };
    }
  }

  /** Its first relay URL is the one dialled next; turned to the next one after each failure. */
  private TunnelConfig config;
  private final Transport transport;
  private final Streams streams;
  private final Supplier<CompletableFuture<InspectorSnapshot>> inspector;
  private final SslContext ssl;
  private final EventLoop loop;
  private final Random random = new Random();
  private volatile CompletableFuture<Void> registered = new CompletableFuture<>();
  private volatile State state = State.NEW;
  private Channel channel;
  private ScheduledFuture<?> retry;
  private int attempt;
  private boolean inOutage;
  private long outageStartNanos;
  private String lastAuthRefusal;
  /**
   * The instance's resume secret from the latest welcome: proof that this shim registered the
   * instance, shown in every later hello. Held in memory only, never logged.
   */
  private volatile String resumeSecret;
  /** Hears the relay's control messages that are not about streams (e.g. snapshot points). */
  private volatile ControlListener controls = ControlListener.NONE;

  /** Control messages beyond streams, on the event loop: after each welcome, and as they come. */
  public interface ControlListener {
    ControlListener NONE = new ControlListener() {
      @Override
      public void registered() {}

      @Override
      public void control(TunnelMessage message) {}
    };

    /** The relay welcomed the instance (now, or after a reconnect): queued messages may go. */
    void registered();

    /** A control message the streams do not take. */
    void control(TunnelMessage message);
  }

  public TunnelClient(
      TunnelConfig config,
      Transport transport,
      Streams streams,
      Supplier<CompletableFuture<InspectorSnapshot>> inspector) {
    this.config = config;
    this.transport = transport;
    this.streams = streams;
    this.inspector = inspector;
    boolean anyTls = false;
    for (URI url : config.relays()) {
      anyTls |= url.getScheme().equalsIgnoreCase("wss");
    }
    this.ssl = anyTls ? clientTls() : null;
    this.loop = transport.group().next();
  }

  /** Who hears control messages beyond streams; set before {@link #start}. */
  public void controlListener(ControlListener listener) {
    this.controls = listener;
  }

  /** The handler's news: a control message for {@link #controlListener}. */
  void control(TunnelMessage message) {
    controls.control(message);
  }

  /** Starts dialling in the background; returns at once. Idempotent. */
  public void start() {
    loop.execute(
        () -> {
          if (state == State.NEW) {
            connect();
          }
        });
  }

  public State state() {
    return state;
  }

  /** Waits until the relay has welcomed this instance; false when that did not happen in time. */
  public boolean awaitRegistered(Duration timeout) throws InterruptedException {
    try {
      registered.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      return false;
    }
  }

  private void connect() {
    move(State.CONNECTING);
    inspector
        .get()
        .whenComplete(
            (snapshot, error) ->
                loop.execute(
                    () -> {
                      if (state != State.CONNECTING) {
                        return;
                      }
                      if (error != null) {
                        failed(null, "the inspector did not answer: " + rootMessage(error), null, true);
                      } else {
                        dial(snapshot);
                      }
                    }));
  }

  private void dial(InspectorSnapshot snapshot) {
    TunnelHandler handler = new TunnelHandler(this, config, snapshot, streams);
    ChannelFuture connecting =
        transport
            .bootstrap()
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.handshakeTimeout().toMillis())
            .handler(new TunnelInitializer(config, ssl, handler))
            .connect(config.relay().getHost(), config.port());
    channel = connecting.channel();
    connecting.addListener(
        (ChannelFuture done) -> {
          if (!done.isSuccess()) {
            failed(done.channel(), "cannot connect: " + rootMessage(done.cause()), null, true);
          }
        });
  }

  /** The secret the next hello shows; null until the first welcome. */
  String resumeSecret() {
    return resumeSecret;
  }

  /** The handler's news: the relay welcomed this instance on {@code on}. */
  void registered(Channel on, InspectorSnapshot snapshot, String secret) {
    if (on != channel || state != State.CONNECTING) {
      return;
    }
    resumeSecret = secret;
    move(State.REGISTERED);
    String after =
        inOutage
            ? " after=" + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - outageStartNanos) + "ms"
            : "";
    LOG.info(
        "registered function={} instance={} relay={} runtime=\"{}\" targets={}{}",
        config.function(),
        config.instance(),
        config.relay(),
        snapshot.runtime(),
        snapshot.targets().size(),
        after);
    attempt = 0;
    inOutage = false;
    lastAuthRefusal = null;
    registered.complete(null);
    controls.registered();
  }

  /** The handler's news: connection {@code on} ended. */
  void lost(Channel on, String reason, Refusal refusal, boolean retryAllowed) {
    failed(on, reason, refusal, retryAllowed);
  }

  private void failed(Channel on, String reason, Refusal refusal, boolean retryAllowed) {
    if (on != null && on != channel) {
      return;
    }
    channel = null;
    boolean wasRegistered = state == State.REGISTERED;
    if (wasRegistered) {
      registered = new CompletableFuture<>();
      // The sessions wait for the tunnel to come back; the relay keeps its ends as long.
      streams.suspend();
    }
    if (state == State.CLOSED || state == State.STOPPED) {
      return;
    }
    if (!retryAllowed) {
      streams.closeAll();
      LOG.error(
          "{}; another shim took over instance={}, this one stops tethering (the function keeps"
              + " running)",
          reason,
          config.instance());
      move(State.STOPPED);
      return;
    }
    logFailure(reason, refusal, wasRegistered);
    // Several relays: the next one is tried at once, and the backoff (with jitter) starts only
    // once every relay of the list has failed in turn, so losing one node costs no wait.
    Duration delay = config.backoff().afterFailure(++attempt, config.relays().size(), random);
    config = config.next();
    move(State.WAITING);
    retry = loop.schedule(this::connect, delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void logFailure(String reason, Refusal refusal, boolean wasRegistered) {
    if (refusal != null && refusal.auth()) {
      if (!reason.equals(lastAuthRefusal)) {
        LOG.error("{} relay={}; retrying in the background", reason, config.relay());
        lastAuthRefusal = reason;
      } else {
        LOG.debug("{} relay={}", reason, config.relay());
      }
      startOutage();
    } else if (wasRegistered) {
      LOG.warn("tunnel lost relay={} reason={}; reconnecting in the background", config.relay(), reason);
      startOutage();
    } else if (!inOutage) {
      LOG.warn("relay unreachable relay={} reason={}; retrying in the background", config.relay(), reason);
      startOutage();
    } else {
      LOG.debug("still no tunnel relay={} attempt={} reason={}", config.relay(), attempt, reason);
    }
  }

  private void startOutage() {
    if (!inOutage) {
      inOutage = true;
      outageStartNanos = System.nanoTime();
    }
  }

  /**
   * Sends one control message if the tunnel is registered; false when it is not (then nothing is
   * sent). Messages sent before {@link #close} reach the relay before the close frame.
   */
  public boolean send(TunnelMessage message) {
    CompletableFuture<Boolean> sent = new CompletableFuture<>();
    try {
      loop.execute(() -> {
        Channel open = channel;
        if (state != State.REGISTERED || open == null || !open.isActive()) {
          sent.complete(false);
          return;
        }
        open.writeAndFlush(new TextWebSocketFrame(TunnelCodec.encode(message)));
        sent.complete(true);
      });
      return sent.get(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException | ExecutionException | TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Sends one control message now if the tunnel is registered and can take it without queueing;
   * never blocks, so a capture never waits on the network. Event loop only. False when nothing
   * was sent (the caller keeps or drops the message).
   */
  public boolean offer(TunnelMessage message) {
    if (!loop.inEventLoop()) {
      throw new IllegalStateException("offer runs on the shim's event loop");
    }
    Channel open = channel;
    if (state != State.REGISTERED || open == null || !open.isActive() || !open.isWritable()) {
      return false;
    }
    open.writeAndFlush(new TextWebSocketFrame(TunnelCodec.encode(message)));
    return true;
  }

  /** The loop the tunnel, the streams and the snapshot session run on. */
  public EventLoop loop() {
    return loop;
  }

  /**
   * Closes the tunnel with {@code code} and {@code reason} (the relay ends this instance's sessions
   * and tells their DevTools why), closes the inspector sessions, and stops reconnecting.
   * Idempotent.
   */
  public void close(int code, String reason) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      loop.execute(() -> closeOnLoop(code, reason, done));
      done.get(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException | ExecutionException | TimeoutException e) {
      LOG.debug("tunnel close did not finish cleanly: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void closeOnLoop(int code, String reason, CompletableFuture<Void> done) {
    if (state == State.CLOSED) {
      done.complete(null);
      return;
    }
    boolean wasRegistered = state == State.REGISTERED;
    move(State.CLOSED);
    if (retry != null) {
      retry.cancel(false);
    }
    Channel open = channel;
    // The tunnel's close frame tells the relay the instance is gone, with the reason; it ends
    // every session of this instance itself, so the streams close locally without messages.
    streams.closeAll();
    channel = null;
    if (open == null || !open.isActive()) {
      done.complete(null);
      return;
    }
    if (wasRegistered) {
      LOG.info("tunnel closing relay={} reason=\"{}\"", config.relay(), reason);
    }
    open.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
    open.closeFuture().addListener(f -> done.complete(null));
  }

  @Override
  public void close() {
    close(CloseCodes.GOING_AWAY, "the shim is stopping");
  }

  private void move(State next) {
    if (!state.canMoveTo(next)) {
      throw new IllegalStateException("tunnel cannot go from " + state + " to " + next);
    }
    state = next;
  }

  private static SslContext clientTls() {
    try {
      return SslContextBuilder.forClient().sslProvider(SslProvider.JDK).build();
    } catch (SSLException e) {
      throw new IllegalStateException("the JDK cannot set up TLS for wss://: " + e.getMessage(), e);
    }
  }

  private static String rootMessage(Throwable error) {
    Throwable t = error;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
