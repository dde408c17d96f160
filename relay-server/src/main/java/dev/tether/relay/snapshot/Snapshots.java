package dev.tether.relay.snapshot;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.protocol.SnapshotRedaction;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.agent.AgentRegistry;
import dev.tether.relay.agent.AgentTunnel;
import dev.tether.relay.agent.Instance;
import dev.tether.relay.agent.SnapshotListener;
import dev.tether.relay.audit.AuditCode;
import dev.tether.relay.audit.AuditEvent;
import dev.tether.relay.audit.AuditSink;
import dev.tether.relay.auth.SigningKeys;
import dev.tether.relay.auth.UserPrincipal;
import dev.tether.relay.cluster.Cluster;
import dev.tether.relay.config.SnapshotConfig;
import dev.tether.relay.http.ApiError;
import dev.tether.relay.http.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's snapshot points: kept in a {@link PointStore} (bounded: {@code maxPointsPerFunction}
 * active points and twice as many kept per function, {@code maxStoredHits} hits per point; saved
 * in the data directory, or in the cluster's Redis so every node has them), handed to every live
 * instance of their function and to each instance as it registers, taken off them when they reach
 * {@code maxHits}, expire or are deleted. Hits are rebuilt and masked again here before they are
 * kept, whatever the shim did, and a hit for a point its function does not have is refused.
 * Every point set, hit, disabled and removed is audited with who, function and location, never a
 * captured value.
 */
public final class Snapshots implements SnapshotListener {
  private static final Logger LOG = LoggerFactory.getLogger(Snapshots.class);
  static final Duration SCRIPTS_PATIENCE = Duration.ofSeconds(5);
  /** The hello capability of shims that take snapshot points; older shims get none. */
  public static final String CAPABILITY = "snapshots";

  private final AgentRegistry registry;
  private final AuditSink audit;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final SnapshotConfig config;
  private final SnapshotRedaction redaction;
  private final SecureRandom random = new SecureRandom();
  private final PointStore store;
  private final CapturedScopes captured;
  private final HitRefusals refusals;
  /** Points whose expiry this node has a timer for. */
  private final Set<String> timed = ConcurrentHashMap.newKeySet();
  /** Script lists asked for, each with the tunnel asked: only that tunnel's answer is taken. */
  private final Map<Integer, Asked> scriptRequests = new ConcurrentHashMap<>();
  private final AtomicInteger nextRequest = new AtomicInteger();

  Snapshots(AgentRegistry registry, AuditSink audit, Clock clock,
      ScheduledExecutorService scheduler, SnapshotConfig config, PointStore store) {
    this.registry = registry;
    this.audit = audit;
    this.clock = clock;
    this.scheduler = scheduler;
    this.config = config;
    this.redaction = new SnapshotRedaction(config.redact());
    this.store = store;
    this.captured = new CapturedScopes(redaction);
    this.refusals = new HitRefusals(audit, clock);
  }

  /**
   * The points of a relay: in the cluster's Redis when {@code cluster} is set (call before the
   * cluster starts: it subscribes to point changes), else saved in {@code dataDir} and signed
   * with {@code keys}. A saved file that cannot be read fails with what to do; one the relay did
   * not sign as it is is audited ({@code snapshot.file.refused}) and fails too, so no point is applied
   * and none is dropped unseen. Each active point brought back is audited as restored.
   */
  public static Snapshots open(AgentRegistry registry, AuditSink audit, Clock clock,
      ScheduledExecutorService scheduler, SnapshotConfig config, Path dataDir, SigningKeys keys,
      Cluster cluster) throws IOException {
    PointStore store;
    try {
      store = cluster != null ? new SharedPoints(cluster.store(), cluster.nodeId())
          : LocalPoints.open(dataDir, keys, scheduler);
    } catch (PointsFile.Refused e) {
      audit.record(AuditEvent.of(AuditCode.SNAPSHOT_FILE_REFUSED).at(clock.instant())
          .actor(AuditEvent.RELAY).role("relay")
          .detail("file", dataDir.resolve(LocalPoints.FILE).toAbsolutePath().toString())
          .detail("problem", e.problem).build());
      throw e;
    }
    Snapshots snapshots = new Snapshots(registry, audit, clock, scheduler, config, store);
    snapshots.auditRestored();
    store.onChange(function -> {
      snapshots.push(function);
      snapshots.timeExpiries(function);
    });
    return snapshots;
  }

  /** Records each point that is live again after the start, so the trail says what runs. */
  private void auditRestored() {
    Instant now = clock.instant();
    for (StoredPoint point : store.restored()) {
      if (point.status == StoredPoint.Status.ACTIVE && now.isBefore(point.expiresAt)) {
        audit.record(event(AuditCode.SNAPSHOT_RESTORED, point, AuditEvent.RELAY, "relay")
            .detail("expiresAt", point.expiresAt.toString())
            .detail("maxHits", point.request.maxHits()).detail("hitCount", point.hitCount)
            .detail("condition", point.request.condition()).detail("log", point.request.log())
            .build());
      }
    }
  }

  /** Starts the expiry timers of the points kept from before; once, after the relay is up. */
  public void resume() {
    try {
      store.functions().forEach(this::timeExpiries);
    } catch (RuntimeException e) {
      LOG.warn("snapshot expiry timers not started cause={}", e.getMessage());
    }
  }

  /** Saves what is kept (alone) and stops. */
  public void close() {
    store.close();
  }

  /** Has a timer end each active point of {@code function} at its expiry, once per node. */
  private void timeExpiries(String function) {
    for (StoredPoint point : store.all(function, false)) {
      if (point.status == StoredPoint.Status.ACTIVE && timed.add(point.id)) {
        long in = Math.max(0, point.expiresAt.toEpochMilli() - clock.millis());
        scheduler.schedule(() -> {
          timed.remove(point.id);
          expire(function, point.id);
        }, in, TimeUnit.MILLISECONDS);
      }
    }
  }

  SnapshotConfig config() {
    return config;
  }

  SnapshotRedaction redaction() {
    return redaction;
  }

  /** Sets a point on every instance of {@code function}, now and as they come. */
  ObjectNode set(String function, UserPrincipal user, PointRequest request, String remote) {
    Instant now = clock.instant();
    long active = store.all(function, false).stream()
        .filter(p -> p.status == StoredPoint.Status.ACTIVE).count();
    if (active >= config.maxPointsPerFunction()) {
      throw ApiError.conflict("too_many_points", "function " + function + " has " + active
          + " active points, the relay's limit (snapshots.maxPointsPerFunction); delete one first");
    }
    StoredPoint point = new StoredPoint(newId(now), function, request, user.subject(), now,
        now.plus(request.expiresIn()), Math.min(config.maxStoredHits(), request.maxHits()));
    store.add(point, 2 * config.maxPointsPerFunction());
    timed.add(point.id);
    scheduler.schedule(() -> {
      timed.remove(point.id);
      expire(function, point.id);
    }, request.expiresIn().toMillis(), TimeUnit.MILLISECONDS);
    audit.record(event(AuditCode.SNAPSHOT_SET, point, user.subject(), user.role().claim())
        .remote(remote).detail("expiresAt", point.expiresAt.toString())
        .detail("maxHits", request.maxHits())
        .detail("condition", request.condition()).detail("log", request.log()).build());
    LOG.info("snapshot point set function={} point={} url={} line={} by={}", function, point.id,
        request.url(), request.line(), user.subject());
    changed(function);
    return point.view(true);
  }

  List<ObjectNode> list(String function) {
    List<ObjectNode> views = new ArrayList<>();
    store.all(function, true).forEach(p -> views.add(0, p.view(true))); // newest first
    return views;
  }

  Optional<ObjectNode> find(String function, String id) {
    return store.get(function, id, true).map(p -> p.view(true));
  }

  /** Deletes a point and its hits; false when there is no such point. */
  boolean delete(String function, String id, UserPrincipal user, String remote) {
    StoredPoint point = store.get(function, id, false).orElse(null);
    if (point == null || !store.remove(function, id)) {
      return false;
    }
    audit.record(event(AuditCode.SNAPSHOT_REMOVED, point, user.subject(), user.role().claim())
        .remote(remote).detail("reason", "deleted").detail("hits", point.hitCount).build());
    changed(function);
    return true;
  }

  /** Pushes the function's points here and tells the other nodes to push them too. */
  private void changed(String function) {
    push(function);
    store.changed(function);
  }

  private void expire(String function, String id) {
    finish(function, id, StoredPoint.Status.EXPIRED, "expired");
  }

  /** Takes an active point off the instances, keeping it and its hits to read. */
  private void finish(String function, String id, StoredPoint.Status status, String reason) {
    StoredPoint point;
    try {
      point = store.get(function, id, false).orElse(null);
      if (point == null || !store.finish(function, id, status)) {
        return;
      }
    } catch (ApiError e) {
      LOG.warn("snapshot point not finished function={} point={}: {}", function, id, e.getMessage());
      return;
    }
    audit.record(event(AuditCode.SNAPSHOT_REMOVED, point, AuditEvent.RELAY, "relay")
        .detail("reason", reason).detail("hits", point.hitCount).build());
    LOG.info("snapshot point done function={} point={} reason={}", function, id, reason);
    changed(function);
  }

  /** Sends the function's active points to each of its live instances on this node. */
  private void push(String function) {
    List<AgentTunnel> tunnels = registry.instancesOf(function).stream()
        .filter(t -> t.supports(CAPABILITY)).toList();
    if (tunnels.isEmpty()) {
      return;
    }
    TunnelMessage.SnapshotPoints points;
    try {
      points = pointsOf(function);
    } catch (ApiError e) {
      LOG.warn("snapshot points not pushed function={}: {}", function, e.getMessage());
      return;
    }
    tunnels.forEach(tunnel -> tunnel.send(points));
  }

  private TunnelMessage.SnapshotPoints pointsOf(String function) {
    Instant now = clock.instant();
    return new TunnelMessage.SnapshotPoints(store.all(function, false).stream()
        .filter(p -> p.status == StoredPoint.Status.ACTIVE && now.isBefore(p.expiresAt))
        .map(StoredPoint::wire).toList(),
        config.redact(), config.hitsPerSecond(), (double) config.pauseBudget().toNanos() / 1e6);
  }

  @Override
  public void welcomed(AgentTunnel tunnel) {
    // Always, when the shim takes points: an empty set clears what a shim kept from before a
    // relay restart or from a point deleted while its tunnel was down.
    if (tunnel.supports(CAPABILITY)) {
      tunnel.instance().ifPresent(instance -> {
        try {
          tunnel.send(pointsOf(instance.function()));
        } catch (ApiError e) {
          LOG.warn("snapshot points not sent instance={}: {}", instance.name(), e.getMessage());
        }
      });
    }
  }

  @Override
  public void message(AgentTunnel tunnel, TunnelMessage message) {
    Instance instance = tunnel.instance().orElse(null);
    if (instance == null) {
      return;
    }
    try {
      take(instance, tunnel, message);
    } catch (RuntimeException e) {
      // A snapshot's bookkeeping never costs the instance its tunnel (and its debuggers).
      LOG.error("snapshot message not taken instance={} message={}", instance.name(),
          message.getClass().getSimpleName(), e);
    }
  }

  private void take(Instance instance, AgentTunnel tunnel, TunnelMessage message) {
    if (message instanceof TunnelMessage.SnapshotHit hit) {
      hit(instance, tunnel.remote(), hit);
    } else if (message instanceof TunnelMessage.SnapshotDisabled off) {
      disabled(instance, tunnel.remote(), off);
    } else if (message instanceof TunnelMessage.Scripts scripts) {
      Asked asked = scriptRequests.get(scripts.request());
      // Request numbers are guessable: another instance's answer is not this one's.
      if (asked != null && asked.tunnel() == tunnel
          && scriptRequests.remove(scripts.request(), asked)) {
        asked.answer().complete(scripts);
      }
    }
  }

  private void hit(Instance instance, String remote, TunnelMessage.SnapshotHit hit) {
    // Looked up under the tunnel's own function: another function's point is no point here.
    StoredPoint point = StoredPoint.ID.matcher(hit.point()).matches()
        ? store.get(instance.function(), hit.point(), false).orElse(null) : null;
    if (point == null) {
      refusals.noSuchPoint(instance, remote, hit.point());
      return;
    }
    int count = store.hit(instance.function(), hit.point(), stored(instance, point, hit),
        hit.dropped());
    if (count < 0) {
      return; // done meanwhile
    }
    audit.record(event(AuditCode.SNAPSHOT_HIT, point, "agent:" + instance.function(), "agent")
        .instance(instance.id()).remote(remote)
        .detail("pauseMicros", Math.round(hit.pauseMs() * 1000)).build());
    if (count >= point.request.maxHits()) {
      finish(instance.function(), point.id, StoredPoint.Status.COMPLETED, "maxHits");
    }
  }

  /**
   * The hit as kept and shown: rebuilt and masked again here, whatever the shim did; a capture
   * point keeps captured scopes only, a logpoint its log line only (the line the relay let
   * through when the point was set).
   */
  private ObjectNode stored(Instance instance, StoredPoint point, TunnelMessage.SnapshotHit hit) {
    boolean logs = point.request.log() != null;
    ObjectNode stored = Json.MAPPER.createObjectNode();
    stored.put("instance", instance.id()).put("at", Instant.ofEpochMilli(hit.at()).toString())
        .put("pauseMs", Math.round(hit.pauseMs() * 1000) / 1000.0);
    stored.set("stack", Json.MAPPER.valueToTree(hit.stack()));
    if (hit.scopes() != null && !logs) {
      stored.set("scopes", captured.keep(hit.scopes()));
    }
    if (hit.log() != null && logs) {
      stored.put("log", hit.log());
    }
    stored.put("cut", hit.cut());
    if (hit.dropped() > 0) {
      stored.put("droppedBefore", hit.dropped());
    }
    return stored;
  }

  private void disabled(Instance instance, String remote, TunnelMessage.SnapshotDisabled off) {
    String reason = off.reason().length() > 300 ? off.reason().substring(0, 300) + "…" : off.reason();
    StoredPoint point = store.get(instance.function(), off.point(), false).orElse(null);
    if (point == null || !store.disabled(instance.function(), off.point(),
        new StoredPoint.Disabled(instance.id(), reason, clock.instant()))) {
      return;
    }
    audit.record(event(AuditCode.SNAPSHOT_DISABLED, point, "agent:" + instance.function(), "agent")
        .instance(instance.id()).remote(remote).detail("reason", reason).build());
    LOG.info("snapshot point disabled function={} point={} instance={} reason=\"{}\"",
        instance.function(), point.id, instance.id(), reason);
  }

  /** Asks one instance for its scripts' URLs; fails with a readable message after 5 s. */
  CompletableFuture<TunnelMessage.Scripts> scripts(AgentTunnel tunnel) {
    int request = nextRequest.incrementAndGet();
    CompletableFuture<TunnelMessage.Scripts> answer = new CompletableFuture<>();
    scriptRequests.put(request, new Asked(tunnel, answer));
    tunnel.send(new TunnelMessage.ScriptsRequest(request));
    return answer.orTimeout(SCRIPTS_PATIENCE.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete((ok, error) -> scriptRequests.remove(request));
  }

  private record Asked(AgentTunnel tunnel, CompletableFuture<TunnelMessage.Scripts> answer) {}

  private AuditEvent.Builder event(AuditCode code, StoredPoint point, String actor, String role) {
    return AuditEvent.of(code).at(clock.instant()).actor(actor).role(role)
        .function(point.function).detail("point", point.id).detail("kind", point.kind())
        .detail("url", point.request.url()).detail("line", point.request.line())
        .detail("createdBy", point.createdBy);
  }

  /** {@code s-<millis>-<random>}: sorts by creation, not guessable. */
  private String newId(Instant now) {
    byte[] bytes = new byte[4];
    random.nextBytes(bytes);
    return String.format("s-%013d-%s", now.toEpochMilli(), HexFormat.of().formatHex(bytes));
  }
}
