package dev.tether.relay.agent;

import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.CloseReasons;
import dev.tether.protocol.DataFrame;
import dev.tether.protocol.ProtocolException;
import dev.tether.protocol.ResumeSecret;
import dev.tether.protocol.StreamPosition;
import dev.tether.protocol.Target;
import dev.tether.protocol.Tunnel;
import dev.tether.protocol.TunnelCodec;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.auth.AgentPrincipal;
import dev.tether.relay.config.AgentLimits;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
 *
 * <p>A tunnel that breaks without the shim saying goodbye (silence, a reset, the shim's {@code
 * 4010}) is not the end of its sessions: it stays registered for a grace period with its streams,
 * DevTools sockets open, and a resuming hello on a new connection takes the streams over ({@link
 * #handOver}). Only when the grace period passes do the sessions end as agent lost. These steps
 * are the connection's {@link Phase}s, changed in one place ({@link #moveTo}) by its table.
 *
 * <p>An instance belongs to the connection that registered it. Its welcome carries a {@link
 * ResumeSecret}, the same for as long as the relay holds the instance; a hello for an instance id
 * that is live or within its grace is accepted only with that secret, so an agent token (which a
 * function's code might have read) registers new instances but never takes over a live one. Any
 * other such hello is refused with 1008, audited ({@code agent.refused}), and the real shim keeps
 * its streams. Hellos are bounded too ({@link AgentLimits}): instances per function, and the size
 * of every field.
 */
public final class AgentTunnel implements FrameHandler, StreamCarrier {
  private static final Logger LOG = LoggerFactory.getLogger(AgentTunnel.class);
  private static final Pattern INSTANCE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

  private final AgentPrincipal principal;
  private final AgentRegistry registry;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final Duration heartbeat;
  private final Duration helloTimeout;
  private final Duration resumeGrace;
  private final Duration abruptCloseGrace;
  private final AgentLimits limits;
  private final HelloBounds bounds;
  private final String remote;
  private final MessageAssembler assembler =
      new MessageAssembler(DataFrame.HEADER_BYTES + DataFrame.MAX_CHUNK);
  private final ConcurrentMap<Integer, TunnelStream> streams = new ConcurrentHashMap<>();
  private final AtomicInteger lastStreamId = new AtomicInteger();

  /** Changed only by {@link #moveTo}; read without the lock where a stale phase is harmless. */
  private volatile Phase phase = Phase.AWAITING_HELLO;
  private volatile CoreSession core;
  private volatile Instance instance;
  /** The instance's resume secret, handed out in the welcome only; never logged. */
  private volatile String resumeSecret;
  private volatile List<Target> targets = List.of();
  private volatile Set<String> capabilities = Set.of();
  private volatile long lastHeardNanos = System.nanoTime();
  /** The tunnel's smoothed round trip (TCP's 7/8 rule), from pings; 0 until the first pong. */
  private volatile long roundTripNanos;
  /** How the socket failed, if it did (Jetty reports the error before the close). */
  private volatile Throwable failure;
  private boolean crashReported;
  private ScheduledFuture<?> helloTimer;
  private ScheduledFuture<?> heartbeatTask;
  private ScheduledFuture<?> graceTimer;

  /** Orders control messages that must not overtake each other (the welcome, then opens). */
  private final Object sendLock = new Object();

  AgentTunnel(
      AgentPrincipal principal, AgentRegistry registry, ScheduledExecutorService scheduler,
      Clock clock, Duration heartbeat, Duration helloTimeout, Duration resumeGrace,
      Duration abruptCloseGrace, AgentLimits limits, String remote) {
    this.principal = principal;
    this.registry = registry;
    this.scheduler = scheduler;
    this.clock = clock;
    this.heartbeat = heartbeat;
    this.helloTimeout = helloTimeout;
    this.resumeGrace = resumeGrace;
    this.abruptCloseGrace = abruptCloseGrace;
    this.limits = limits;
    this.bounds = new HelloBounds(limits);
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

  /** True when the shim's hello listed {@code capability}, e.g. {@code "snapshots"}. */
  public boolean supports(String capability) {
    return capabilities.contains(capability);
  }

  /** The shim's address as the relay sees it. */
  public String remote() {
    return remote;
  }

  public boolean isOpen() {
    return phase == Phase.OPEN;
  }

  /**
   * Registers a new stream for one DevTools session; {@link TunnelStream#open} then asks the shim
   * for it. Empty when the tunnel is closing.
   */
  public Optional<TunnelStream> newStream(StreamPeer peer) {
    int id = lastStreamId.incrementAndGet();
    TunnelStream stream = new TunnelStream(id, this, peer, Tunnel.DEFAULT_WINDOW);
    streams.put(id, stream);
    if (phase != Phase.OPEN) {
      streams.remove(id);
      return Optional.empty();
    }
    return Optional.of(stream);
  }

  @Override
  public void onOpen(CoreSession socket, Callback callback) {
    core = socket;
    callback.succeeded();
    helloTimer =
        scheduler.schedule(
            () -> close(CloseCodes.POLICY_VIOLATION,
                "no hello within " + helloTimeout.toSeconds() + "s; a shim must send hello first"),
            helloTimeout.toMillis(), TimeUnit.MILLISECONDS);
    heartbeatTask =
        scheduler.scheduleAtFixedRate(
            this::heartbeat, heartbeat.toMillis(), heartbeat.toMillis(), TimeUnit.MILLISECONDS);
    socket.demand();
  }

  @Override
  public void onFrame(Frame frame, Callback callback) {
    lastHeardNanos = System.nanoTime();
    byte opcode = frame.getOpCode();
    if (opcode == OpCode.CLOSE) {
      callback.succeeded();
      return;
    }
    if (opcode == OpCode.PONG) {
      onPong(frame.getPayload(), System.nanoTime());
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
    if (phase.socketOpen()) {
      core.demand();
    }
  }

  @Override
  public void onError(Throwable cause, Callback callback) {
    LOG.debug("agent tunnel error remote={} cause={}", remote, cause.toString());
    failure = cause;
    callback.succeeded();
  }

  @Override
  public void onClosed(CloseStatus status, Callback callback) {
    int code = status.getCode();
    String reason = status.getReason() == null ? "" : status.getReason();
    if (!phase.socketOpen()) {
      // The relay closed this connection itself and did then what that close meant.
      callback.succeeded();
      return;
    }
    Throwable failed = failure;
    boolean timedOut = failed != null && failed.getClass().getSimpleName().contains("Timeout");
    if (code == CloseCodes.RESUMING || timedOut) {
      dropped("its connection went silent (" + reason + ")", resumeGrace);
    } else if (code == CloseStatus.NO_CLOSE || failed != null) {
      dropped("its connection closed without a goodbye", abruptCloseGrace);
    } else {
      close(code, reason);
    }
    callback.succeeded();
  }

  /**
   * Moves to {@code next} when {@link Phase}'s table allows it from the current phase, and stops
   * the timers of the phase it leaves; the phase it left, or null when the move is not allowed
   * (another event got there first: the caller does nothing).
   */
  private synchronized Phase moveTo(Phase next) {
    Phase from = phase;
    if (!from.canMoveTo(next)) {
      return null;
    }
    phase = next;
    if (from == Phase.AWAITING_HELLO && helloTimer != null) {
      helloTimer.cancel(false);
    }
    if (from == Phase.DROPPED && graceTimer != null) {
      graceTimer.cancel(false);
    }
    if (!next.socketOpen() && heartbeatTask != null) {
      heartbeatTask.cancel(false);
    }
    return from;
  }

  /** Closes the tunnel once: its socket, its streams, and (unless handed over) its sessions. */
  public void close(int code, String reason) {
    Phase from = moveTo(Phase.CLOSED);
    if (from == null) {
      return;
    }
    if (from.socketOpen()) {
      closeSocket(code, reason);
    }
    Instance registered = instance;
    if (registered == null) {
      LOG.info("agent refused function={} remote={} code={} reason=\"{}\"",
          principal.function(), remote, code, reason);
      return;
    }
    if (from == Phase.HANDED_OVER) {
      return; // a resumed connection owns the streams now
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
    endStreams(lost);
  }

  private void closeSocket(int code, String reason) {
    CoreSession socket = core;
    if (socket != null && socket.isOutputOpen()) {
      socket.close(code, CloseReasons.fit(reason), Callback.NOOP);
    }
  }

  /**
   * The connection broke but the shim may come back: keep the instance registered and its streams
   * (DevTools sockets stay open, their frames wait in the streams' replay buffers) for {@code
   * grace}; then end its sessions as agent lost.
   */
  private void dropped(String why, Duration grace) {
    Instance registered = instance;
    if (registered == null || phase != Phase.OPEN || grace.isZero()) {
      if (registered != null && phase == Phase.OPEN) {
        LOG.info("agent lost function={} instance={} remote={} reason=\"{}\"",
            registered.function(), registered.id(), remote, why);
      }
      closeSocket(CloseCodes.GOING_AWAY, why + "; resume to keep the sessions");
      close(CloseCodes.AGENT_LOST, registered == null ? why : lostAfter(registered, grace));
      return;
    }
    synchronized (this) {
      if (moveTo(Phase.DROPPED) == null) {
        return;
      }
      graceTimer = scheduler.schedule(() -> expire(why, lostAfter(registered, grace)),
          grace.toMillis(), TimeUnit.MILLISECONDS);
    }
    closeSocket(CloseCodes.GOING_AWAY, why + "; resume to keep the sessions");
    LOG.info("agent dropped function={} instance={} remote={} reason=\"{}\" streams={}"
        + " graceMs={}", registered.function(), registered.id(), remote, why, streams.size(),
        grace.toMillis());
  }

  /** Fits a close frame's 123 bytes with a 40-character instance id. */
  private static String lostAfter(Instance registered, Duration grace) {
    return "instance " + registered.name() + " disconnected " + Math.max(1, grace.toSeconds())
        + "s ago; start a new session when it is back";
  }

  private void expire(String why, String lost) {
    if (phase != Phase.DROPPED || moveTo(Phase.CLOSED) == null) {
      return;
    }
    Instance registered = instance;
    LOG.info("agent lost function={} instance={} remote={} reason=\"{}\" after=grace",
        registered.function(), registered.id(), remote, why);
    endStreams(lost);
  }

  private void endStreams(String lost) {
    registry.unregister(this, lost);
    for (TunnelStream stream : List.copyOf(streams.values())) {
      stream.onClosed(CloseCodes.AGENT_LOST, lost);
    }
  }

  /**
   * A resuming connection of the same instance takes this one's streams: an open connection is
   * handed over (its socket closes when the new one registers), a dropped one closes. Null when
   * there is nothing to take (the grace period ended, or another connection took them).
   */
  synchronized Handover handOver() {
    Phase next = phase == Phase.OPEN ? Phase.HANDED_OVER : Phase.CLOSED;
    if (phase != Phase.OPEN && phase != Phase.DROPPED || moveTo(next) == null) {
      return null;
    }
    return new Handover(List.copyOf(streams.values()), lastStreamId.get());
  }

  /** Whether a newer connection took this one's streams, or they ended. */
  boolean retired() {
    return phase.retired();
  }

  /** What a resuming connection takes over. */
  record Handover(List<TunnelStream> streams, int lastStreamId) {}

  /** Sends one control message to the shim; dropped while the tunnel is down or closed. */
  @Override
  public void send(TunnelMessage message) {
    CoreSession socket = core;
    if (!phase.socketOpen() || socket == null) {
      return;
    }
    synchronized (sendLock) {
      socket.sendFrame(new Frame(OpCode.TEXT, TunnelCodec.encode(message)), Callback.NOOP, false);
    }
  }

  /** Writes one encoded data frame now, or drops it while the tunnel is down (it is replayed). */
  @Override
  public void sendFrame(ByteBuffer frame) {
    CoreSession socket = core;
    if (phase != Phase.OPEN || socket == null) {
      return;
    }
    socket.sendFrame(new Frame(OpCode.BINARY, frame), Callback.NOOP, false);
  }

  @Override
  public void streamEnded(TunnelStream stream, TunnelMessage.Close close) {
    streams.remove(stream.id(), stream);
    if (close != null) {
      send(close);
    }
  }

  private void onControl(TunnelMessage message) throws ProtocolException {
    if (phase == Phase.AWAITING_HELLO) {
      if (!(message instanceof TunnelMessage.Hello hello)) {
        throw new ProtocolException("the first message must be hello, not " + kind(message));
      }
      onHello(hello);
      return;
    }
    if (message instanceof TunnelMessage.Opened opened) {
      TunnelStream stream = stream(opened.stream());
      if (stream != null) {
        stream.onOpened(this, opened.window());
      }
    } else if (message instanceof TunnelMessage.Credit credit) {
      TunnelStream stream = stream(credit.stream());
      if (stream != null) {
        stream.onCredit(this, credit.bytes(), credit.ack());
      }
    } else if (message instanceof TunnelMessage.Close close) {
      TunnelStream stream = stream(close.stream());
      if (stream != null) {
        stream.onClosed(close.code(), close.reason());
      }
    } else if (message instanceof TunnelMessage.Crash crash) {
      // A function dies once per connection: a second report is a broken or hostile shim.
      if (crashReported) {
        throw new ProtocolException("a tunnel carries at most one crash report");
      }
      crashReported = true;
      registry.crashed(this, crash);
    } else if (message instanceof TunnelMessage.SnapshotHit
        || message instanceof TunnelMessage.SnapshotDisabled
        || message instanceof TunnelMessage.Scripts) {
      registry.snapshots().message(this, message);
    } else if (message instanceof TunnelMessage.TargetsChanged changed) {
      Optional<String> unprintable = bounds.unprintable(changed.targets());
      Optional<String> tooLarge = bounds.check(changed.targets());
      if (unprintable.isPresent() || tooLarge.isPresent()) {
        Instance registered = instance;
        String reason = unprintable.orElseGet(tooLarge::get);
        registry.refused(this, registered.function(), registered.id(),
            unprintable.isPresent() ? "targets_invalid" : "targets_too_large",
            Map.of("reason", reason));
        close(CloseCodes.POLICY_VIOLATION, reason);
        return;
      }
      targets = changed.targets();
      LOG.debug("targets changed instance={} targets={}", instance.name(), targets.size());
    } else {
      throw new ProtocolException(kind(message) + " is not a message a shim may send here");
    }
  }

  private void onHello(TunnelMessage.Hello hello) throws ProtocolException {
    Optional<String> unprintable = bounds.unprintable(hello);
    if (unprintable.isPresent()) {
      refuse("hello_invalid", null, unprintable.get(), Map.of());
      return;
    }
    if (!hello.function().equals(principal.function())) {
      refuse("function_mismatch", null,
          "this agent token is for function '" + principal.function() + "', not '"
              + hello.function() + "'", Map.of());
      return;
    }
    if (!INSTANCE_ID.matcher(hello.instance()).matches()) {
      refuse("invalid_instance", null,
          "instance id must be 1-128 letters, digits, '.', '_', ':' or '-'", Map.of());
      return;
    }
    Optional<String> tooLarge = bounds.check(hello);
    if (tooLarge.isPresent()) {
      refuse("hello_too_large", hello.instance(), tooLarge.get(), Map.of());
      return;
    }
    AgentTunnel previous =
        registry.find(hello.function(), hello.instance()).filter(p -> p != this).orElse(null);
    Takeover.Decision decision = Takeover.decide(previous == null ? null : previous.holder(),
        hello.resume(), hello.resumeSecret(), ResumeSecret::generate, clock.instant());
    if (decision instanceof Takeover.Refused refused) {
      refuse("instance_owned", hello.instance(), refused.reason(), refused.details());
      return;
    }
    Takeover.Taken taken = (Takeover.Taken) decision;
    targets = hello.targets();
    capabilities = Set.copyOf(hello.capabilities());
    Handover handover = taken.handover();
    resumeSecret = taken.secret();
    instance = new Instance(hello.function(), hello.instance(), hello.runtime(),
        hello.shimVersion(), taken.connectedAt());
    Resumption resumption = handover == null ? null : adopt(handover, hello.streams());
    long graceSeconds = resumeGrace.isZero() ? 0 : Math.max(1, resumeGrace.toSeconds());
    // Registered before the welcome leaves, so a shim that was welcomed is always listed; held
    // under the send lock so no stream's open can overtake the welcome on the wire.
    synchronized (sendLock) {
      if (moveTo(Phase.OPEN) == null) {
        if (resumption != null) {
          resumption.abandon();
        }
        return; // closed while the hello was read
      }
      AgentRegistry.Registration registration =
          registry.register(this, previous, limits.maxInstancesPerFunction());
      if (registration != AgentRegistry.Registration.REGISTERED) {
        instance = null; // the close that follows refuses, and ends nothing of the instance's
        if (resumption != null) {
          resumption.abandon();
        }
        if (registration == AgentRegistry.Registration.FULL) {
          refuse("instance_limit", hello.instance(),
              "function has " + limits.maxInstancesPerFunction() + " live instances, the relay's"
                  + " limit (agents.maxInstancesPerFunction)",
              Map.of("limit", limits.maxInstancesPerFunction()));
        } else {
          refuse("instance_owned", hello.instance(),
              "instance id was taken by another connection at the same moment", Map.of());
        }
        return;
      }
      send(new TunnelMessage.Welcome(hello.instance(), Math.max(1, heartbeat.toSeconds()),
          graceSeconds, resumption != null,
          resumption == null ? List.of() : resumption.positions(), resumeSecret,
          resumption == null && registry.holdsNewInstancesOf(hello.function())));
      // The function's snapshot points go right behind the welcome, resumed or not (the set
      // replaces whatever the shim had, so sending it again is harmless).
      registry.snapshots().welcomed(this);
    }
    if (resumption != null) {
      resumption.replay(this);
    }
    ping(core); // the first round trip, before any stream needs a window sized to it
    LOG.info("agent connected function={} instance={} runtime={} shim={} targets={} remote={}"
            + " resumed={}",
        hello.function(), hello.instance(), hello.runtime(), hello.shimVersion(),
        targets.size(), remote,
        resumption == null ? "no" : resumption.resumedCount() + " streams");
  }

  /** This connection as a newer one of its instance sees it ({@link Takeover}). */
  private Takeover.Holder holder() {
    return new Takeover.Holder() {
      @Override
      public boolean ownedBy(String offered) {
        return ResumeSecret.matches(resumeSecret, offered);
      }

      @Override
      public String secret() {
        return resumeSecret;
      }

      @Override
      public Instant connectedAt() {
        return instance.connectedAt();
      }

      @Override
      public Handover handOver() {
        return AgentTunnel.this.handOver();
      }
    };
  }

  /**
   * Refuses a hello: audited with a stable {@code error}, and the connection closed (and logged)
   * with 1008 and {@code reason}. Whatever else holds the instance is not touched.
   */
  private void refuse(String error, String instanceId, String reason, Map<String, Object> details) {
    Map<String, Object> all = new LinkedHashMap<>(details);
    all.put("reason", reason);
    registry.refused(this, principal.function(), instanceId, error, all);
    close(CloseCodes.POLICY_VIOLATION, reason);
  }

  /**
   * Takes the streams of the previous connection ({@link Resumption}): they become this
   * connection's, and stream ids go on from the previous connection's last.
   */
  private Resumption adopt(Handover handover, List<StreamPosition> shim) {
    lastStreamId.accumulateAndGet(handover.lastStreamId(), Math::max);
    Resumption resumption = Resumption.of(this, handover.streams(), shim);
    resumption.kept().forEach(stream -> streams.put(stream.id(), stream));
    return resumption;
  }

  private void onData(DataFrame.Chunk chunk) throws ProtocolException {
    if (phase == Phase.AWAITING_HELLO) {
      throw new ProtocolException("data before hello");
    }
    TunnelStream stream = stream(chunk.stream());
    if (stream != null) {
      stream.onData(this, chunk.payload(), chunk.fin());
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
      dropped("nothing heard for " + silentMillis / 1000 + "s", resumeGrace);
      return;
    }
    CoreSession socket = core;
    if (socket != null && phase.socketOpen()) {
      ping(socket);
    }
  }

  /** The round trip to the shim, as pings measured it; 0 while unknown. */
  @Override
  public long roundTripNanos() {
    return roundTripNanos;
  }

  /** Pings the shim with the time it left; the shim echoes it in its pong. */
  private void ping(CoreSession socket) {
    ByteBuffer sent = ByteBuffer.allocate(Long.BYTES).putLong(0, System.nanoTime());
    socket.sendFrame(new Frame(OpCode.PING, sent), Callback.NOOP, false);
  }

  /** A pong that arrived at {@code nowNanos}: one round-trip sample when it echoes a timed ping. */
  void onPong(ByteBuffer payload, long nowNanos) {
    if (payload == null || payload.remaining() != Long.BYTES) {
      return; // not one of the relay's timed pings
    }
    long sample = nowNanos - payload.getLong(payload.position());
    if (sample <= 0 || sample > TimeUnit.MINUTES.toNanos(1)) {
      return;
    }
    long smoothed = roundTripNanos;
    roundTripNanos = smoothed == 0 ? sample : smoothed - smoothed / 8 + sample / 8;
  }

  private static String kind(TunnelMessage message) {
    return message.getClass().getSimpleName().toLowerCase(Locale.ROOT);
  }
}
