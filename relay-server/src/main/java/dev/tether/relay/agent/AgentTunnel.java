package dev.tether.relay.agent;

import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.DataFrame;
import dev.tether.protocol.ProtocolException;
import dev.tether.protocol.Target;
import dev.tether.protocol.Tunnel;
import dev.tether.protocol.TunnelCodec;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.CloseReasons;
import dev.tether.relay.auth.AgentPrincipal;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's end of one shim's tunnel: expects a hello, registers the instance, then routes
 * control messages and data chunks to the streams of the DevTools sessions on it. It always keeps
 * reading (a slow DevTools never blocks the tunnel; credit bounds what it may be sent), and any
 * protocol violation closes this tunnel only.
 */
public final class AgentTunnel implements FrameHandler {
  private static final Logger LOG = LoggerFactory.getLogger(AgentTunnel.class);
  private static final Pattern INSTANCE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

  private enum State { AWAITING_HELLO, OPEN, CLOSED }

  private final AgentPrincipal principal;
  private final AgentRegistry registry;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final Duration heartbeat;
  private final Duration helloTimeout;
  private final String remote;
  private final MessageAssembler assembler =
      new MessageAssembler(DataFrame.HEADER_BYTES + DataFrame.MAX_CHUNK);
  private final ConcurrentMap<Integer, TunnelStream> streams = new ConcurrentHashMap<>();
  private final AtomicInteger lastStreamId = new AtomicInteger();

  private volatile State state = State.AWAITING_HELLO;
  private volatile CoreSession core;
  private volatile Instance instance;
  private volatile List<Target> targets = List.of();
  private volatile long lastHeardNanos = System.nanoTime();
  private ScheduledFuture<?> helloTimer;
  private ScheduledFuture<?> heartbeatTask;

  AgentTunnel(
      AgentPrincipal principal, AgentRegistry registry, ScheduledExecutorService scheduler,
      Clock clock, Duration heartbeat, Duration helloTimeout, String remote) {
    this.principal = principal;
    this.registry = registry;
    this.scheduler = scheduler;
    this.clock = clock;
    this.heartbeat = heartbeat;
    this.helloTimeout = helloTimeout;
    this.remote = remote;
  }

  /** The registered instance; empty until the hello was accepted. */
  public Optional<Instance> instance() {
    return Optional.ofNullable(instance);
  }

  /** The inspector targets the shim reported, most recent first as the shim lists them. */
  public List<Target> targets() {
    return targets;
  }

  /** The shim's address as the relay sees it. */
  public String remote() {
    return remote;
  }

  public boolean isOpen() {
    return state == State.OPEN;
  }

  /**
   * Registers a new stream for one DevTools session; {@link TunnelStream#open} then asks the shim
   * for it. Empty when the tunnel is closing.
   */
  public Optional<TunnelStream> newStream(StreamPeer peer) {
    int id = lastStreamId.incrementAndGet();
    TunnelStream stream = new TunnelStream(id, this, peer, Tunnel.DEFAULT_WINDOW);
    streams.put(id, stream);
    if (state != State.OPEN) {
      streams.remove(id);
      return Optional.empty();
    }
    return Optional.of(stream);
  }

  @Override
  public void onOpen(CoreSession session, Callback callback) {
    core = session;
    callback.succeeded();
    helloTimer =
        scheduler.schedule(
            () -> close(CloseCodes.POLICY_VIOLATION,
                "no hello within " + helloTimeout.toSeconds() + "s; a shim must send hello first"),
            helloTimeout.toMillis(), TimeUnit.MILLISECONDS);
    heartbeatTask =
        scheduler.scheduleAtFixedRate(
            this::heartbeat, heartbeat.toMillis(), heartbeat.toMillis(), TimeUnit.MILLISECONDS);
    session.demand();
  }

  @Override
  public void onFrame(Frame frame, Callback callback) {
    lastHeardNanos = System.nanoTime();
    byte opcode = frame.getOpCode();
    if (opcode == OpCode.CLOSE) {
      callback.succeeded();
      return;
    }
    try {
      if (frame.isDataFrame()) {
        ByteBuffer message = assembler.add(frame);
        if (message != null) {
          if (assembler.opcode() == OpCode.TEXT) {
            onControl(TunnelCodec.decode(message));
          } else {
            onData(DataFrame.decode(message));
          }
        }
      }
      callback.succeeded();
    } catch (ProtocolException | RuntimeException e) {
      callback.succeeded();
      close(CloseCodes.PROTOCOL_ERROR, "protocol error: " + e.getMessage());
      return;
    }
    if (state != State.CLOSED) {
      core.demand();
    }
  }

  @Override
  public void onError(Throwable cause, Callback callback) {
    LOG.debug("agent tunnel error remote={} cause={}", remote, cause.toString());
    callback.succeeded();
  }

  @Override
  public void onClosed(CloseStatus status, Callback callback) {
    close(status.getCode(), status.getReason() == null ? "" : status.getReason());
    callback.succeeded();
  }

  /** Closes the tunnel once: its socket, its streams, and (unless replaced) its sessions. */
  public void close(int code, String reason) {
    synchronized (this) {
      if (state == State.CLOSED) {
        return;
      }
      state = State.CLOSED;
    }
    if (helloTimer != null) {
      helloTimer.cancel(false);
    }
    if (heartbeatTask != null) {
      heartbeatTask.cancel(false);
    }
    CoreSession session = core;
    if (session != null && session.isOutputOpen()) {
      session.close(code, CloseReasons.fit(reason), Callback.NOOP);
    }
    Instance registered = instance;
    if (registered == null) {
      LOG.info("agent refused function={} remote={} code={} reason=\"{}\"",
          principal.function(), remote, code, reason);
      return;
    }
    LOG.info("agent disconnected function={} instance={} remote={} code={} reason=\"{}\"",
        registered.function(), registered.id(), remote, code, reason);
    // A shim that closes deliberately says why (e.g. "the function exited"); pass that on.
    boolean deliberate = code == CloseCodes.NORMAL || code == CloseCodes.GOING_AWAY;
    String why = deliberate && reason != null && !reason.isBlank() ? " (" + reason + ")" : "";
    String lost = code == CloseCodes.REPLACED
        ? "instance " + registered.name() + " reconnected; get a fresh URL to re-attach"
        : "instance " + registered.name() + " disconnected" + why
            + "; start a new session when it is back";
    registry.unregister(this, lost);
    for (TunnelStream stream : List.copyOf(streams.values())) {
      stream.onClosed(CloseCodes.AGENT_LOST, lost);
    }
  }

  void send(TunnelMessage message) {
    CoreSession session = core;
    if (state == State.CLOSED || session == null) {
      return;
    }
    session.sendFrame(new Frame(OpCode.TEXT, TunnelCodec.encode(message)), Callback.NOOP, false);
  }

  void sendData(int stream, ByteBuffer payload, boolean fin, Callback sent) {
    CoreSession session = core;
    if (state != State.OPEN || session == null) {
      sent.failed(new IllegalStateException("the tunnel is closed"));
      return;
    }
    session.sendFrame(new Frame(OpCode.BINARY, DataFrame.encode(stream, fin, payload)), sent, false);
  }

  void streamEnded(TunnelStream stream, TunnelMessage.Close close) {
    streams.remove(stream.id(), stream);
    if (close != null) {
      send(close);
    }
  }

  private void onControl(TunnelMessage message) throws ProtocolException {
    if (state == State.AWAITING_HELLO) {
      if (!(message instanceof TunnelMessage.Hello hello)) {
        throw new ProtocolException("the first message must be hello, not " + kind(message));
      }
      onHello(hello);
      return;
    }
    if (message instanceof TunnelMessage.Opened opened) {
      TunnelStream stream = stream(opened.stream());
      if (stream != null) {
        stream.onOpened(opened.window());
      }
    } else if (message instanceof TunnelMessage.Credit credit) {
      TunnelStream stream = stream(credit.stream());
      if (stream != null) {
        stream.onCredit(credit.bytes());
      }
    } else if (message instanceof TunnelMessage.Close close) {
      TunnelStream stream = stream(close.stream());
      if (stream != null) {
        stream.onClosed(close.code(), close.reason());
      }
    } else if (message instanceof TunnelMessage.TargetsChanged changed) {
      targets = changed.targets();
      LOG.debug("targets changed instance={} targets={}", instance.name(), targets.size());
    } else {
      throw new ProtocolException(kind(message) + " is not a message a shim may send here");
    }
  }

  private void onHello(TunnelMessage.Hello hello) {
    if (!hello.function().equals(principal.function())) {
      close(CloseCodes.POLICY_VIOLATION,
          "this agent token is for function '" + principal.function() + "', not '"
              + hello.function() + "'");
      return;
    }
    if (!INSTANCE_ID.matcher(hello.instance()).matches()) {
      close(CloseCodes.POLICY_VIOLATION,
          "instance id must be 1-128 letters, digits, '.', '_', ':' or '-'");
      return;
    }
    if (helloTimer != null) {
      helloTimer.cancel(false);
    }
    targets = hello.targets();
    instance =
        new Instance(hello.function(), hello.instance(), hello.runtime(), hello.shimVersion(),
            clock.instant());
    state = State.OPEN;
    registry.register(this);
    send(new TunnelMessage.Welcome(hello.instance(), Math.max(1, heartbeat.toSeconds())));
    LOG.info("agent connected function={} instance={} runtime={} shim={} targets={} remote={}",
        hello.function(), hello.instance(), hello.runtime(), hello.shimVersion(),
        targets.size(), remote);
  }

  private void onData(DataFrame.Chunk chunk) throws ProtocolException {
    if (state != State.OPEN) {
      throw new ProtocolException("data before hello");
    }
    TunnelStream stream = stream(chunk.stream());
    if (stream != null) {
      stream.onData(chunk.payload(), chunk.fin());
    }
  }

  /** The live stream; null for one that ended recently; an error for one never opened. */
  private TunnelStream stream(int id) throws ProtocolException {
    TunnelStream stream = streams.get(id);
    if (stream == null && (id <= 0 || id > lastStreamId.get())) {
      throw new ProtocolException("unknown stream " + id);
    }
    return stream;
  }

  private void heartbeat() {
    long silentMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastHeardNanos);
    if (silentMillis > heartbeat.toMillis() * 3) {
      close(CloseCodes.GOING_AWAY,
          "nothing heard for " + silentMillis / 1000 + "s; reconnect");
      return;
    }
    CoreSession session = core;
    if (session != null && state != State.CLOSED) {
      session.sendFrame(new Frame(OpCode.PING), Callback.NOOP, false);
    }
  }

  private static String kind(TunnelMessage message) {
    return message.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
  }
}
