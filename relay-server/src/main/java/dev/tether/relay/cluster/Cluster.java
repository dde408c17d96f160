package dev.tether.relay.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.relay.agent.AgentRegistry;
import dev.tether.relay.agent.AgentTunnel;
import dev.tether.relay.agent.Instance;
import dev.tether.relay.agent.InstanceListener;
import dev.tether.relay.auth.Ticket;
import dev.tether.relay.config.ClusterConfig;
import dev.tether.relay.http.ApiError;
import dev.tether.relay.session.EndReason;
import dev.tether.relay.session.Session;
import dev.tether.relay.session.SessionView;
import dev.tether.relay.session.Sessions;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's part in a cluster of relays: it keeps its agents and sessions in Redis (renewed
 * every third of the TTL, so a node that dies is forgotten within the TTL), answers where an
 * instance or session of another node lives, makes tickets single-use cluster-wide, and ends its
 * sessions when any node's admin terminates them. Redis being down costs only what needs the
 * other nodes: this node's own agents and sessions go on.
 */
public final class Cluster implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Cluster.class);

  /** An instance whose tunnel is on another node. */
  public record RemoteInstance(String function, String instance, String node, URI peer,
      String runtime, String connectedAt, int sessions) {}

  private final ClusterConfig config;
  private final ClusterStore store;
  private final PeerTokens peerTokens;
  private final AgentRegistry registry;
  private final Sessions sessions;
  private final Clock clock;
  private final ScheduledExecutorService worker;
  private final AtomicBoolean syncPending = new AtomicBoolean();
  private final AtomicBoolean changesPending = new AtomicBoolean();
  /** Instances that came or went since the last write; written one by one, not a full sync. */
  private final Queue<Instance> changed =
      new ConcurrentLinkedQueue<>();
  private final Set<String> published = new HashSet<>(); // keys this node wrote; worker thread only
  /** Each agent key this node wrote, to its function's index in Redis. Worker thread only. */
  private final Map<String, String> indexes = new HashMap<>();
  /**
   * Each local agent's entry as last built, reused while neither the instance nor its session
   * count changed: a renewal of thousands of agents then builds no JSON (it was a good part of a
   * node's CPU while agents registered). Worker thread only.
   */
  private final Map<String, AgentEntry> agentEntries = new HashMap<>();

  private record AgentEntry(Instance instance, int sessions, String json) {}
  private Runnable unwatch = () -> {};

  public Cluster(ClusterConfig config, PeerTokens peerTokens, AgentRegistry registry,
      Sessions sessions, Clock clock) {
    this.config = config;
    this.store = new ClusterStore(config);
    this.peerTokens = peerTokens;
    this.registry = registry;
    this.sessions = sessions;
    this.clock = clock;
    this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "relay-cluster");
      t.setDaemon(true);
      return t;
    });
  }

  /** Publishes this node's state now and then every {@code renewEvery}; hears terminations. */
  public Cluster start() {
    unwatch = registry.watch(new InstanceListener() {
      @Override
      public void added(AgentTunnel tunnel) {
        changed.add(tunnel.instance().orElseThrow()); // under the registry's lock: only queue it
        writeChangesSoon();
      }

      @Override
      public void removed(Instance instance) {
        changed.add(instance);
        writeChangesSoon();
      }
    });
    long every = config.renewEvery().toMillis();
    worker.scheduleWithFixedDelay(this::sync, 0, every, TimeUnit.MILLISECONDS);
    store.onTerminate((channel, message) -> terminated(message));
    LOG.info("cluster joined node={} peerUrl={} redis={}:{}/{} ttl={}", config.nodeId(),
        config.peerUrl(), config.redis().getHost(), config.redis().getPort(), config.database(),
        config.registryTtl());
    return this;
  }

  public ClusterConfig config() {
    return config;
  }

  public String nodeId() {
    return config.nodeId();
  }

  public PeerTokens peerTokens() {
    return peerTokens;
  }

  /** The Redis side, for tests and the benchmark. */
  public ClusterStore store() {
    return store;
  }

  private void syncSoon() {
    if (syncPending.compareAndSet(false, true)) {
      worker.execute(this::sync);
    }
  }

  private void writeChangesSoon() {
    if (changesPending.compareAndSet(false, true)) {
      worker.execute(this::writeChanges);
    }
  }

  /**
   * Writes the instances that registered and deletes those that went since the last time, so a
   * new instance is seen by the other nodes at once without rewriting every entry (thousands of
   * agents registering together would otherwise cost a full write each).
   */
  private void writeChanges() {
    changesPending.set(false);
    Map<String, String> entries = new LinkedHashMap<>();
    List<String> gone = new ArrayList<>();
    Map<String, Integer> sessionCounts = null;
    for (Instance instance; (instance = changed.poll()) != null; ) {
      String key = agentKey(instance.function(), instance.id());
      var tunnel = registry.find(instance.function(), instance.id());
      indexes.put(key, ClusterStore.indexKey(instance.function()));
      if (tunnel.isPresent()) {
        if (sessionCounts == null) {
          sessionCounts = sessionCounts();
        }
        entries.put(key, agentEntry(tunnel.get().instance().orElseThrow(), sessionCounts));
        gone.remove(key);
      } else {
        entries.remove(key);
        agentEntries.remove(key);
        gone.add(key);
      }
    }
    try {
      store.put(entries, indexes, gone);
      published.addAll(entries.keySet());
      gone.forEach(published::remove);
      gone.forEach(indexes::remove);
    } catch (ClusterStore.Unavailable e) {
      LOG.debug("instance changes written at the next renewal: {}", e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("cluster write failed cause={}", e.toString());
    }
  }

  private String agentEntry(Instance i, Map<String, Integer> sessionCounts) {
    String key = agentKey(i.function(), i.id());
    int sessions = sessionCounts.getOrDefault(key, 0);
    AgentEntry entry = agentEntries.get(key);
    if (entry == null || entry.sessions() != sessions || !entry.instance().equals(i)) {
      Map<String, Object> value = new LinkedHashMap<>();
      value.put("function", i.function());
      value.put("instance", i.id());
      value.put("node", config.nodeId());
      value.put("peer", config.peerUrl().toString());
      value.put("runtime", i.runtime());
      value.put("connectedAt", i.connectedAt().toString());
      value.put("sessions", sessions);
      entry = new AgentEntry(i, sessions, ClusterStore.json(value));
      agentEntries.put(key, entry);
    }
    return entry.json();
  }

  /** Live sessions per agent key, counted in one pass over the sessions. */
  private Map<String, Integer> sessionCounts() {
    Map<String, Integer> counts = new HashMap<>();
    for (Session session : sessions.live()) {
      if (session.instance() != null) {
        counts.merge(agentKey(session.function(), session.instance()), 1, Integer::sum);
      }
    }
    return counts;
  }

  /** Writes every local agent and session with a fresh TTL and deletes what this node dropped. */
  void sync() {
    syncPending.set(false);
    try {
      Map<String, String> entries = new LinkedHashMap<>();
      Map<String, Integer> sessionCounts = sessionCounts();
      for (AgentTunnel tunnel : registry.all()) {
        Instance i = tunnel.instance().orElseThrow();
        String key = agentKey(i.function(), i.id());
        entries.put(key, agentEntry(i, sessionCounts));
        indexes.put(key, ClusterStore.indexKey(i.function()));
      }
      agentEntries.keySet().retainAll(entries.keySet());
      for (Session session : sessions.live()) {
        entries.put(ClusterStore.SESSION + session.id(), sessionEntry(session));
      }
      List<String> gone = new ArrayList<>();
      for (String key : published) {
        if (!entries.containsKey(key)) {
          gone.add(key);
        }
      }
      store.put(entries, indexes, gone);
      indexes.keySet().retainAll(entries.keySet()); // also what went before it was ever written
      published.clear();
      published.addAll(entries.keySet());
    } catch (ClusterStore.Unavailable e) {
      LOG.debug("cluster renewal skipped: {}", e.getMessage()); // logged once by the store
    } catch (RuntimeException e) {
      LOG.warn("cluster renewal failed cause={}", e.toString());
    }
  }

  private String sessionEntry(Session session) {
    Map<String, Object> value = new LinkedHashMap<>(SessionView.of(session));
    value.put("node", config.nodeId());
    value.put("peer", config.peerUrl().toString());
    return ClusterStore.json(value);
  }

  /**
   * Writes one new session at once, so the next request about it may land on any node (the
   * renewal would take up to a third of the TTL). Without Redis the renewal writes it later.
   */
  public void publish(Session session) {
    try {
      store.put(Map.of(ClusterStore.SESSION + session.id(), sessionEntry(session)), List.of());
    } catch (ClusterStore.Unavailable e) {
      LOG.debug("session published at the next renewal: {}", e.getMessage());
    }
  }

  static String agentKey(String function, String instance) {
    return ClusterStore.AGENT + function + "/" + instance;
  }

  /** Instances whose tunnels are on other nodes (none while Redis is down: logged, not thrown). */
  public List<RemoteInstance> remoteInstances() {
    List<RemoteInstance> found = new ArrayList<>();
    try {
      for (JsonNode entry : store.all(ClusterStore.AGENT)) {
        remote(entry).ifPresent(found::add);
      }
    } catch (ClusterStore.Unavailable e) {
      LOG.debug("listing only this node's instances: {}", e.getMessage());
    }
    return found;
  }

  /**
   * The instances of {@code function} on other nodes; empty (unknown, not none) while Redis is
   * down. Read from the function's index: its members and their entries, never a SCAN.
   */
  public Optional<List<RemoteInstance>> remoteInstancesOf(String function) {
    try {
      List<RemoteInstance> found = new ArrayList<>();
      for (JsonNode entry : store.indexed(ClusterStore.indexKey(function))) {
        remote(entry).filter(r -> r.function().equals(function)).ifPresent(found::add);
      }
      return Optional.of(found);
    } catch (ClusterStore.Unavailable e) {
      LOG.debug("other nodes' instances unknown: {}", e.getMessage());
      return Optional.empty();
    }
  }

  /** Where instance {@code instance} of {@code function} is, if on another node. */
  public Optional<RemoteInstance> findRemote(String function, String instance) {
    return store.get(agentKey(function, instance)).flatMap(this::remote);
  }

  private Optional<RemoteInstance> remote(JsonNode entry) {
    String node = entry.path("node").asText();
    if (node.equals(config.nodeId()) || !entry.hasNonNull("peer")) {
      return Optional.empty();
    }
    return Optional.of(new RemoteInstance(entry.path("function").asText(),
        entry.path("instance").asText(), node, URI.create(entry.path("peer").asText()),
        entry.path("runtime").asText(""), entry.path("connectedAt").asText(""),
        entry.path("sessions").asInt()));
  }

  /** Sessions of the other nodes, as the admin API shows them (with {@code node}). */
  public List<JsonNode> remoteSessions() {
    return store.all(ClusterStore.SESSION).stream()
        .filter(s -> !s.path("node").asText().equals(config.nodeId())).toList();
  }

  /** A session of another node, as the admin API shows it. */
  public Optional<JsonNode> remoteSession(String id) {
    return store.get(ClusterStore.SESSION + id)
        .filter(s -> !s.path("node").asText().equals(config.nodeId()));
  }

  /**
   * Marks {@code ticket} used in the whole cluster. Without Redis, a ticket of a session this
   * node holds is still accepted: the node's own replay cache saw it first, and every other node
   * forwards the session's tickets here, where that cache refuses a second use.
   */
  public void redeem(Ticket ticket, boolean localSession, Duration skew) {
    Duration remember = Duration.between(clock.instant(), ticket.expiresAt().plus(skew));
    boolean first;
    try {
      first = store.firstUse(ticket.id(), remember);
    } catch (ClusterStore.Unavailable e) {
      if (localSession) {
        return;
      }
      throw unavailable("attach to a session on another node");
    }
    if (!first) {
      throw new ApiError(401, "ticket_used", "this attach ticket has already been used (on a node of"
          + " this cluster); get a fresh URL with GET /api/sessions/" + ticket.sessionId());
    }
  }

  /** A 503 for what needs the other nodes while Redis is down. */
  public static ApiError unavailable(String what) {
    return new ApiError(503, "cluster_unavailable", "this relay cannot reach the cluster's shared"
        + " state (Redis) right now, so it cannot " + what + "; sessions on this node go on."
        + " Try again in a few seconds");
  }

  /** Asks the node holding session {@code id} to end it (every node hears; the holder acts). */
  public void terminate(String id, String message, String actor) {
    Map<String, Object> command = new LinkedHashMap<>();
    command.put("session", id);
    command.put("message", message);
    command.put("actor", actor);
    command.put("from", config.nodeId());
    store.publishTerminate(ClusterStore.json(command));
  }

  private void terminated(String message) {
    ClusterStore.parse(message).ifPresent(command -> sessions
        .find(command.path("session").asText())
        .ifPresent(session -> {
          LOG.info("session terminated from node={} session={}", command.path("from").asText(),
              session.id());
          sessions.end(session, EndReason.TERMINATED, command.path("message").asText(),
              command.path("actor").asText());
          syncSoon();
        }));
  }

  @Override
  public void close() {
    unwatch.run();
    worker.shutdownNow();
    try {
      worker.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // What this node published goes now rather than after the TTL: a clean stop.
    try {
      store.put(Map.of(), indexes, List.copyOf(published));
    } catch (RuntimeException e) {
      LOG.debug("cluster entries left to expire cause={}", e.toString());
    }
    store.close();
  }
}
