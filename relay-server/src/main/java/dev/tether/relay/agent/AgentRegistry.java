package dev.tether.relay.agent;

import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.audit.AuditCode;
import dev.tether.relay.audit.AuditEvent;
import dev.tether.relay.audit.AuditSink;
import dev.tether.relay.auth.Mode;
import dev.tether.relay.session.EndReason;
import dev.tether.relay.session.SessionState;
import dev.tether.relay.session.Sessions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The live function instances, each with its one tunnel. An instance belongs to the connection
 * that registered it: a later connection takes its place only by showing the instance's resume
 * secret (checked by {@link AgentTunnel}), and registering is atomic, so two hellos for one
 * instance id cannot both win. An instance whose tunnel is gone for good takes its sessions with
 * it.
 */
public final class AgentRegistry {
  private final ConcurrentMap<String, AgentTunnel> tunnels = new ConcurrentHashMap<>();
  /**
   * Instances per function, so the limit check of a registration does not walk every tunnel
   * (thousands of agents registering at once made that quadratic, under this registry's lock).
   */
  private final Map<String, Integer> counts = new HashMap<>(); // guarded by this
  private final List<InstanceListener> listeners = new CopyOnWriteArrayList<>();
  private final Sessions sessions;
  private final AuditSink audit;
  private final Clock clock;
  private volatile CrashListener crashes = CrashListener.NONE;
  private volatile SnapshotListener snapshots = SnapshotListener.NONE;

  public AgentRegistry(Sessions sessions) {
    this(sessions, AuditSink.NONE, Clock.systemUTC());
  }

  public AgentRegistry(Sessions sessions, AuditSink audit, Clock clock) {
    this.sessions = sessions;
    this.audit = audit;
    this.clock = clock;
  }

  /** Who hears the crash reports of instances (the relay's report store). */
  public void onCrash(CrashListener listener) {
    this.crashes = listener;
  }

  void crashed(AgentTunnel tunnel, TunnelMessage.Crash crash) {
    crashes.crashed(tunnel.instance().orElseThrow(), tunnel.remote(), crash);
  }

  /** Who hands instances their snapshot points and hears their hits. */
  public void onSnapshot(SnapshotListener listener) {
    this.snapshots = listener;
  }

  SnapshotListener snapshots() {
    return snapshots;
  }

  public Optional<AgentTunnel> find(String function, String instance) {
    return Optional.ofNullable(tunnels.get(key(function, instance)));
  }

  /** The instances of one function, most recently connected first. */
  public List<AgentTunnel> instancesOf(String function) {
    List<AgentTunnel> found = new ArrayList<>();
    for (AgentTunnel tunnel : tunnels.values()) {
      tunnel.instance().filter(i -> i.function().equals(function)).ifPresent(i -> found.add(tunnel));
    }
    found.sort(Comparator.comparing((AgentTunnel t) -> t.instance().orElseThrow().connectedAt())
        .reversed());
    return found;
  }

  /** Every registered instance's tunnel, in no order: what a sweep over all agents needs. */
  public List<AgentTunnel> all() {
    List<AgentTunnel> all = new ArrayList<>(tunnels.size());
    for (AgentTunnel tunnel : tunnels.values()) {
      if (tunnel.instance().isPresent()) {
        all.add(tunnel);
      }
    }
    return all;
  }

  /** Every function with its instances, by function name. */
  public Map<String, List<AgentTunnel>> byFunction() {
    Map<String, List<AgentTunnel>> all = new TreeMap<>();
    for (AgentTunnel tunnel : tunnels.values()) {
      tunnel.instance().ifPresent(i -> all.computeIfAbsent(i.function(), f -> instancesOf(f)));
    }
    return all;
  }

  /**
   * Tells {@code listener} of every instance that registers or goes for good from now on (a
   * resumed instance is the same instance: neither); returns what stops the telling.
   */
  public Runnable watch(InstanceListener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /**
   * True while a function session on {@code function} has DevTools attached: a new instance's
   * welcome then asks its shim to hold it before its first line until that window starts it.
   */
  public boolean holdsNewInstancesOf(String function) {
    // Only a full session holds: holding stalls the function's cold starts until the window
    // starts them (or the hold times out), and a read-only user must not be able to slow the
    // function down by keeping a window open.
    return sessions.live().stream().anyMatch(session -> session.functionScope()
        && session.function().equals(function)
        && session.mode() == Mode.FULL
        && session.state() == SessionState.ATTACHED);
  }

  /** How many instances are registered right now. */
  public int size() {
    return tunnels.size();
  }

  /** Closes every tunnel, e.g. when the relay stops. */
  public void closeAll(String reason) {
    for (AgentTunnel tunnel : List.copyOf(tunnels.values())) {
      tunnel.close(CloseCodes.GOING_AWAY, reason);
    }
  }

  /** What became of a registration. */
  enum Registration {
    REGISTERED,
    /** Another connection holds the instance id (it registered between the check and now). */
    TAKEN,
    /** The function already has as many instances as the relay allows. */
    FULL
  }

  /**
   * Registers {@code tunnel} for its instance when the id is free or still held by {@code
   * expected} (the connection whose secret it showed), and, for a new instance, while its
   * function has fewer than {@code maxPerFunction} instances.
   */
  synchronized Registration register(
      AgentTunnel tunnel, AgentTunnel expected, int maxPerFunction) {
    Instance instance = tunnel.instance().orElseThrow();
    String key = key(instance.function(), instance.id());
    AgentTunnel current = tunnels.get(key);
    if (current != null && current != expected) {
      return Registration.TAKEN;
    }
    if (current == null && countOf(instance.function()) >= maxPerFunction) {
      return Registration.FULL;
    }
    AgentTunnel old = tunnels.put(key, tunnel);
    if (old == null) {
      counts.merge(instance.function(), 1, Integer::sum);
      listeners.forEach(listener -> listener.added(tunnel));
    }
    audit.record(agentEvent(AuditCode.AGENT_CONNECTED, tunnel)
        .detail("runtime", instance.runtime()).detail("shim", instance.shimVersion())
        .detail("replaced", old != null && old != tunnel).build());
    if (old != null && old != tunnel) {
      if (old.retired()) { // resumed: the same shim, its streams live on in the new tunnel
        old.close(CloseCodes.GOING_AWAY, "resumed on a newer connection");
      } else {
        old.close(CloseCodes.REPLACED,
            "a newer connection of instance " + instance.id() + " replaced this one");
      }
    }
    return Registration.REGISTERED;
  }

  /** Records a hello the relay refused; {@code instance} is null when it was not a valid id. */
  void refused(AgentTunnel tunnel, String function, String instance, String error,
      Map<String, Object> details) {
    AuditEvent.Builder event = AuditEvent.of(AuditCode.AGENT_REFUSED).at(clock.instant())
        .actor("agent:" + function).role("agent").function(function).remote(tunnel.remote())
        .detail("error", error);
    if (instance != null) {
      event.instance(instance);
    }
    details.forEach(event::detail);
    audit.record(event.build());
  }

  private int countOf(String function) {
    return counts.getOrDefault(function, 0);
  }

  private synchronized boolean remove(Instance instance, AgentTunnel tunnel) {
    if (!tunnels.remove(key(instance.function(), instance.id()), tunnel)) {
      return false;
    }
    counts.computeIfPresent(instance.function(), (f, n) -> n == 1 ? null : n - 1);
    return true;
  }

  void unregister(AgentTunnel tunnel, String why) {
    Instance instance = tunnel.instance().orElseThrow();
    if (remove(instance, tunnel)) {
      audit.record(agentEvent(AuditCode.AGENT_LOST, tunnel).detail("reason", why).build());
      listeners.forEach(listener -> listener.removed(instance));
      sessions.endAllOn(instance.function(), instance.id(), EndReason.AGENT_LOST, why);
    }
  }

  private AuditEvent.Builder agentEvent(AuditCode code, AgentTunnel tunnel) {
    Instance instance = tunnel.instance().orElseThrow();
    return AuditEvent.of(code).at(clock.instant()).actor("agent:" + instance.function())
        .role("agent").function(instance.function()).instance(instance.id())
        .remote(tunnel.remote());
  }

  private static String key(String function, String instance) {
    return function + "\n" + instance;
  }
}
