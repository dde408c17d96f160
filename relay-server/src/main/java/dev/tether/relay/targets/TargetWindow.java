package dev.tether.relay.targets;

import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.CloseReasons;
import dev.tether.protocol.Target;
import dev.tether.relay.agent.AgentRegistry;
import dev.tether.relay.agent.AgentTunnel;
import dev.tether.relay.agent.Instance;
import dev.tether.relay.agent.InstanceListener;
import dev.tether.relay.agent.TunnelStream;
import dev.tether.relay.cdp.CdpCommands;
import dev.tether.relay.cdp.CommandReader;
import dev.tether.relay.cdp.ReadCommand;
import dev.tether.relay.policy.CommandGate;
import dev.tether.relay.policy.SessionGuard;
import dev.tether.relay.session.Attachment;
import dev.tether.relay.session.Session;
import dev.tether.relay.session.Sessions;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DevTools socket of a function session: the browser side of CDP's {@code Target} domain.
 * Every live instance of the session's function is a {@code node} target, created and destroyed
 * as instances register and go; attaching opens an ordinary tunnel stream to that instance
 * ({@link AttachedTarget}). Each DevTools message is gathered whole (within the relay's message
 * limit), read once by the strict {@link CommandReader}, and then either answered here ({@link
 * BrowserCommands}) or routed to its target by its {@code sessionId} (flattened) or as the
 * {@code message} of {@code Target.sendMessageToTarget}, which is itself read once, strictly,
 * before the target's guard judges it. DevTools' next message is read once this one is handled.
 * In a cluster the instances other nodes hold are targets too ({@link OtherNodes}); their streams
 * go over the peer link to that node, and the guard here judges their commands all the same.
 */
public final class TargetWindow implements FrameHandler, Attachment, InstanceListener {
  private static final Logger LOG = LoggerFactory.getLogger(TargetWindow.class);

  private final Session session;
  private final Sessions sessions;
  private final AgentRegistry registry;
  /** A fresh guard for one attached instance (its audit names the instance). */
  private final Function<String, SessionGuard> guards;
  private final long maxMessageBytes;
  private final int maxTextChars;
  private final ScheduledExecutorService scheduler;
  private final Duration keepAlive;
  private final BrowserCommands browser = new BrowserCommands(this);
  private final Map<String, AttachedTarget> attached = new ConcurrentHashMap<>();
  private final OtherNodes others;
  /** Instances of other nodes, as last heard; guarded by this. */
  private final Map<String, Instance> elsewhere = new LinkedHashMap<>();
  private final ByteArrayOutputStream message = new ByteArrayOutputStream();
  private final CommandReader reader; // the window's one reader, message after message
  private final DevToolsOutbox outbox;

  private volatile CoreSession core;
  private volatile boolean discovering;
  private Runnable unwatch;
  private Runnable unwatchOthers;
  private ScheduledFuture<?> pinger;
  private boolean closed;
  private int closeCode;
  private String closeReason;

  public TargetWindow(
      Session session, Sessions sessions, AgentRegistry registry,
      Function<String, SessionGuard> guards, long maxMessageBytes, int maxTextChars,
      ScheduledExecutorService scheduler, Duration keepAlive, OtherNodes others) {
    this.session = session;
    this.others = others;
    this.sessions = sessions;
    this.registry = registry;
    this.guards = guards;
    this.maxMessageBytes = maxMessageBytes;
    this.maxTextChars = maxTextChars;
    this.reader =
        new CommandReader(maxTextChars, CdpCommands::captures, CdpCommands::auditDetailsLater);
    this.scheduler = scheduler;
    this.keepAlive = keepAlive;
    this.outbox = new DevToolsOutbox(() -> core, session.traffic());
  }

  Session session() {
    return session;
  }

  int maxTextChars() {
    return maxTextChars;
  }

  @Override
  public void onOpen(CoreSession coreSession, Callback callback) {
    core = coreSession;
    callback.succeeded();
    synchronized (this) {
      if (closed) {
        coreSession.close(closeCode, CloseReasons.fit(closeReason), Callback.NOOP);
        return;
      }
      unwatch = registry.watch(this);
      unwatchOthers = others.watch(session.function(), this::elsewhereNow);
      pinger = scheduler.scheduleAtFixedRate(this::ping, keepAlive.toMillis(),
          keepAlive.toMillis(), TimeUnit.MILLISECONDS);
    }
    coreSession.demand();
  }

  @Override
  public void onFrame(Frame frame, Callback callback) {
    if (frame.getOpCode() == OpCode.CLOSE) {
      callback.succeeded();
      return;
    }
    if (!frame.isDataFrame()) {
      callback.succeeded();
      core.demand();
      return;
    }
    ByteBuffer payload = frame.getPayload();
    int length = payload == null ? 0 : payload.remaining();
    if (message.size() + (long) length > maxMessageBytes) {
      callback.succeeded();
      end(CloseCodes.MESSAGE_TOO_BIG,
          "CDP message larger than the relay's limit of " + maxMessageBytes + " bytes");
      return;
    }
    if (length > 0) {
      byte[] bytes = new byte[length];
      payload.get(bytes);
      message.writeBytes(bytes);
    }
    session.traffic().toTarget(length, frame.isFin());
    callback.succeeded();
    if (!frame.isFin()) {
      core.demand();
      return;
    }
    byte[] whole = message.toByteArray();
    message.reset();
    handle(whole);
  }

  /** One whole DevTools message: read once, then answered here or routed to its target. */
  private void handle(byte[] bytes) {
    reader.next(bytes.length);
    ReadCommand command = reader.feed(ByteBuffer.wrap(bytes)) ? reader.finish() : null;
    if (command == null) {
      unreadable(reader);
      return;
    }
    if (command.sessionId() != null) {
      AttachedTarget target = attached.get(command.sessionId());
      if (target == null) {
        reply(TargetMessages.error(command.id(), TargetMessages.NOT_FOUND,
            "no session " + command.sessionId() + " on this window; attach with"
                + " Target.attachToTarget first", command.sessionId()));
        return;
      }
      if (!target.flatten()) {
        reply(TargetMessages.error(command.id(), TargetMessages.NOT_FOUND, "session "
            + command.sessionId() + " was attached with flatten false; send its commands with"
            + " Target.sendMessageToTarget", command.sessionId()));
        return;
      }
      route(target, command, ByteBuffer.wrap(bytes), this::readNext);
      return;
    }
    browser.handle(command);
  }

  private void unreadable(CommandReader reader) {
    Long id = reader.id();
    if (id == null) {
      end(CloseCodes.POLICY_VIOLATION, reader.problem());
      return;
    }
    reply(TargetMessages.error(id, -32600, reader.problem()));
  }

  /** A command for an attached target, through that target's guard (audit, read-only, rate). */
  void route(AttachedTarget target, ReadCommand command, ByteBuffer bytes, Runnable done) {
    CommandGate.Step step = target.guard().onClientMessage(command, bytes);
    if (step instanceof CommandGate.Forward forward) {
      target.send(forward.bytes(), done);
    } else if (step instanceof CommandGate.Answer answer) {
      target.answer(answer.json(), done);
    } else if (step instanceof CommandGate.Close close) {
      end(close.code(), close.reason());
    } else {
      done.run();
    }
  }

  /** Sends the relay's own message to DevTools, then reads DevTools' next one. */
  void reply(String json) {
    toDevTools(ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)), this::readNext);
  }

  /** Sends an event of the relay's own. */
  void event(String json) {
    toDevTools(ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)), () -> { });
  }

  void readNext() {
    CoreSession c = core;
    if (c != null && !isClosed()) {
      c.demand();
    }
  }

  /** Writes one whole message to DevTools after those before it; {@code done} once written. */
  void toDevTools(ByteBuffer bytes, Runnable done) {
    outbox.send(bytes, done);
  }

  // Targets

  /** The live instances this session may debug: this node's in the order they connected, then
   * those of the other nodes. */
  List<Instance> instances() {
    List<AgentTunnel> live = new ArrayList<>(registry.instancesOf(session.function()));
    Collections.reverse(live);
    List<Instance> all = new ArrayList<>();
    live.forEach(tunnel -> tunnel.instance().ifPresent(all::add));
    synchronized (this) {
      for (Instance other : elsewhere.values()) {
        if (all.stream().noneMatch(i -> i.id().equals(other.id()))) {
          all.add(other);
        }
      }
    }
    return all;
  }

  /** The other nodes' instances now: what is new is created, what went is destroyed. */
  private void elsewhereNow(List<Instance> now) {
    List<Instance> created = new ArrayList<>();
    List<Instance> destroyed = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      Map<String, Instance> next = new LinkedHashMap<>();
      now.forEach(i -> next.put(i.id(), i));
      for (Instance gone : elsewhere.values()) {
        if (!next.containsKey(gone.id())) {
          destroyed.add(gone);
        }
      }
      for (Instance come : next.values()) {
        if (!elsewhere.containsKey(come.id())) {
          created.add(come);
        }
      }
      elsewhere.clear();
      elsewhere.putAll(next);
    }
    if (!discovering) {
      return;
    }
    for (Instance gone : destroyed) {
      if (registry.find(gone.function(), gone.id()).isEmpty()) {
        event(TargetMessages.event("Target.targetDestroyed", Map.of("targetId", gone.id())));
      }
    }
    for (Instance come : created) {
      if (registry.find(come.function(), come.id()).isEmpty()) {
        event(TargetMessages.event("Target.targetCreated",
            Map.of("targetInfo", TargetMessages.info(come, attachedTo(come.id()).isPresent()))));
      }
    }
  }

  private synchronized Optional<Instance> elsewhere(String targetId) {
    return Optional.ofNullable(elsewhere.get(targetId));
  }

  Map<String, Object> info(Instance instance) {
    return TargetMessages.info(instance, attachedTo(instance.id()).isPresent());
  }

  Optional<AttachedTarget> attachedTo(String targetId) {
    return attached.values().stream().filter(t -> t.instance().id().equals(targetId)).findFirst();
  }

  Optional<AttachedTarget> attachedSession(String sessionId) {
    return Optional.ofNullable(attached.get(sessionId));
  }

  void discover(boolean on) {
    discovering = on;
  }

  boolean discovering() {
    return discovering;
  }

  /**
   * Attaches to instance {@code targetId}: opens a stream; the reply to {@code id} (and {@code
   * Target.attachedToTarget}) go once the shim opened its inspector session.
   */
  void attach(long id, String targetId, boolean flatten) {
    Optional<AgentTunnel> tunnel = registry.find(session.function(), targetId)
        .filter(AgentTunnel::isOpen);
    Optional<Instance> remote = tunnel.isEmpty() ? elsewhere(targetId) : Optional.empty();
    if (remote.isPresent() && attachedTo(targetId).isEmpty()) {
      attachElsewhere(id, remote.get(), flatten);
      return;
    }
    if (tunnel.isEmpty() && remote.isEmpty()) {
      reply(TargetMessages.error(id, TargetMessages.NOT_FOUND,
          "No target with given id found: " + targetId + " is not a live instance of "
              + session.function()));
      return;
    }
    if (attachedTo(targetId).isPresent()) {
      reply(TargetMessages.error(id, TargetMessages.NOT_FOUND, "this window is attached to "
          + targetId + " already; detach first"));
      return;
    }
    List<Target> targets = tunnel.get().targets();
    if (targets.isEmpty()) {
      reply(TargetMessages.error(id, TargetMessages.NOT_FOUND, "instance " + targetId
          + " reports no inspector target yet; try again in a moment"));
      return;
    }
    Instance instance = tunnel.get().instance().orElseThrow();
    String sessionId = UUID.randomUUID().toString().replace("-", "").toUpperCase();
    AttachedTarget target = new AttachedTarget(this, sessionId, instance, flatten, id,
        guards.apply(instance.id()));
    Optional<TunnelStream> stream = tunnel.get().newStream(target);
    if (stream.isEmpty()) {
      reply(TargetMessages.error(id, TargetMessages.NOT_FOUND,
          "instance " + targetId + " is going away"));
      return;
    }
    attached.put(sessionId, target);
    if (isClosed()) {
      attached.remove(sessionId);
      stream.get().close(CloseCodes.NORMAL, "the window closed");
      return;
    }
    target.start(stream.get(), targets.get(0).id(), session.id());
    LOG.debug("target attaching {} target={} stream={}", session, targetId, stream.get().id());
    readNext(); // the reply waits for the shim; DevTools may go on meanwhile
  }

  /**
   * Attaches to an instance another node holds: a stream over the peer link to that node, which
   * opens it on the instance's tunnel; the commands are judged here, by the target's own guard.
   */
  private void attachElsewhere(long id, Instance instance, boolean flatten) {
    String sessionId = UUID.randomUUID().toString().replace("-", "").toUpperCase();
    AttachedTarget target = new AttachedTarget(this, sessionId, instance, flatten, id,
        guards.apply(instance.id()));
    attached.put(sessionId, target);
    others.carry(instance, session, target).whenComplete((carried, failure) -> {
      if (failure != null) {
        attachFailed(target, id, "the relay node holding " + instance.name()
            + " cannot be reached; try again in a moment");
        return;
      }
      if (isClosed()) {
        attached.remove(sessionId);
        carried.stream().close(CloseCodes.NORMAL, "the window closed");
        return;
      }
      target.start(carried.stream(), carried.open());
      LOG.debug("target attaching {} target={} elsewhere stream={}", session, instance.id(),
          carried.stream().id());
    });
    readNext(); // the reply waits for the other node and its shim
  }

  /** An attach that never opened: DevTools gets the error answer to its command. */
  void attachFailed(AttachedTarget target, long attachId, String reason) {
    if (attached.remove(target.sessionId(), target) && !isClosed()) {
      event(TargetMessages.error(attachId, TargetMessages.NOT_FOUND,
          "could not attach to " + target.instance().id() + ": " + reason));
    }
  }

  /** The shim opened the target's inspector session: tell DevTools. */
  void attached(AttachedTarget target, long attachId) {
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("sessionId", target.sessionId());
    params.put("targetInfo", TargetMessages.info(target.instance(), true));
    params.put("waitingForDebugger", false);
    event(TargetMessages.event("Target.attachedToTarget", params));
    event(TargetMessages.result(attachId, Map.of("sessionId", target.sessionId())));
    LOG.info("target attached {} target={} flatten={}", session, target.instance().id(),
        target.flatten());
  }

  /** The target's stream ended (the instance went, or DevTools detached): tell DevTools. */
  void detached(AttachedTarget target, String reason) {
    if (attached.remove(target.sessionId(), target) && !isClosed()) {
      event(TargetMessages.event("Target.detachedFromTarget",
          Map.of("sessionId", target.sessionId(), "targetId", target.instance().id())));
      LOG.info("target detached {} target={} reason=\"{}\"", session, target.instance().id(),
          reason);
    }
  }

  @Override
  public void added(AgentTunnel tunnel) {
    if (!discovering || isClosed()) {
      return;
    }
    Instance instance = tunnel.instance().orElseThrow();
    if (instance.function().equals(session.function())) {
      event(TargetMessages.event("Target.targetCreated",
          Map.of("targetInfo", TargetMessages.info(instance, false))));
    }
  }

  @Override
  public void removed(Instance instance) {
    if (!instance.function().equals(session.function()) || isClosed()) {
      return;
    }
    attachedTo(instance.id()).ifPresent(target -> {
      if (target.close(CloseCodes.AGENT_LOST, "instance " + instance.name() + " is gone")) {
        detached(target, "the instance is gone");
      }
    });
    if (discovering) {
      event(TargetMessages.event("Target.targetDestroyed", Map.of("targetId", instance.id())));
    }
  }

  // Ending

  private synchronized boolean isClosed() {
    return closed;
  }

  @Override
  public void end(int code, String reason) {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      closeCode = CloseStatus.isTransmittableStatusCode(code) ? code : CloseCodes.TARGET_GONE;
      closeReason = reason;
      if (pinger != null) {
        pinger.cancel(false);
      }
      if (unwatch != null) {
        unwatch.run();
      }
      if (unwatchOthers != null) {
        unwatchOthers.run();
      }
    }
    for (AttachedTarget target : List.copyOf(attached.values())) {
      target.close(CloseCodes.NORMAL, "the DevTools window closed");
    }
    attached.clear();
    CoreSession c = core;
    if (c != null && c.isOutputOpen()) {
      c.close(closeCode, CloseReasons.fit(reason), Callback.NOOP);
    }
    sessions.detached(session, this);
    LOG.debug("function window closed {} code={} reason=\"{}\"", session, code, reason);
  }

  @Override
  public void onError(Throwable cause, Callback callback) {
    LOG.debug("function window error {} cause={}", session, cause.toString());
    callback.succeeded();
  }

  @Override
  public void onClosed(CloseStatus status, Callback callback) {
    end(CloseCodes.NORMAL, "DevTools disconnected (" + status.getCode() + ")");
    callback.succeeded();
  }

  private void ping() {
    CoreSession c = core;
    if (c != null && c.isOutputOpen()) {
      c.sendFrame(new Frame(OpCode.PING), Callback.NOOP, false);
    }
  }
}
