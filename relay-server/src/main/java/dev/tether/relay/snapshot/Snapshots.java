package dev.tether.relay.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
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
import dev.tether.relay.auth.UserPrincipal;
import dev.tether.relay.config.SnapshotConfig;
import dev.tether.relay.http.ApiError;
import dev.tether.relay.http.Json;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's snapshot points: kept in memory (bounded: {@code maxPointsPerFunction} active points
 * and twice as many kept per function, {@code maxStoredHits} hits per point; a relay restart
 * forgets them), handed to every live instance of their function and to each instance as it
 * registers, taken off them when they reach {@code maxHits}, expire or are deleted. Hits are
 * masked again here before they are kept, whatever the shim did. Every point set, hit, disabled
 * and removed is audited with who, function and location, never a captured value.
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
  private final Object lock = new Object();
  private final Map<String, Map<String, StoredPoint>> byFunction = new LinkedHashMap<>();
  private final Map<Integer, CompletableFuture<TunnelMessage.Scripts>> scriptRequests =
      new ConcurrentHashMap<>();
  private final AtomicInteger nextRequest = new AtomicInteger();

  public Snapshots(AgentRegistry registry, AuditSink audit, Clock clock,
      ScheduledExecutorService scheduler, SnapshotConfig config) {
    this.registry = registry;
    this.audit = audit;
    this.clock = clock;
    this.scheduler = scheduler;
    this.config = config;
    this.redaction = new SnapshotRedaction(config.redact());
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
    StoredPoint point;
    synchronized (lock) {
      Map<String, StoredPoint> points = byFunction.computeIfAbsent(function, f -> new LinkedHashMap<>());
      long active = points.values().stream().filter(p -> p.status == StoredPoint.Status.ACTIVE).count();
      if (active >= config.maxPointsPerFunction()) {
        throw ApiError.conflict("too_many_points", "function " + function + " has " + active
            + " active points, the relay's limit (snapshots.maxPointsPerFunction); delete one first");
      }
      point = new StoredPoint(newId(now), function, request, user.subject(), now,
          now.plus(request.expiresIn()), Math.min(config.maxStoredHits(), request.maxHits()));
      points.put(point.id, point);
      forgetOldest(points);
    }
    scheduler.schedule(() -> expire(function, point.id), request.expiresIn().toMillis(),
        TimeUnit.MILLISECONDS);
    audit.record(event(AuditCode.SNAPSHOT_SET, point, user.subject(), user.role().claim())
        .remote(remote).detail("expiresAt", point.expiresAt.toString())
        .detail("maxHits", request.maxHits())
        .detail("condition", request.condition()).detail("log", request.log()).build());
    LOG.info("snapshot point set function={} point={} url={} line={} by={}", function, point.id,
        request.url(), request.line(), user.subject());
    push(function);
    synchronized (lock) {
      return point.view(true);
    }
  }

  List<ObjectNode> list(String function) {
    synchronized (lock) {
      List<ObjectNode> views = new ArrayList<>();
      byFunction.getOrDefault(function, Map.of()).values()
          .forEach(p -> views.add(0, p.view(true))); // newest first
      return views;
    }
  }

  Optional<ObjectNode> find(String function, String id) {
    synchronized (lock) {
      return Optional.ofNullable(byFunction.getOrDefault(function, Map.of()).get(id))
          .map(p -> p.view(true));
    }
  }

  /** Deletes a point and its hits; false when there is no such point. */
  boolean delete(String function, String id, UserPrincipal user, String remote) {
    StoredPoint point;
    synchronized (lock) {
      point = byFunction.getOrDefault(function, Map.of()).remove(id);
    }
    if (point == null) {
      return false;
    }
    audit.record(event(AuditCode.SNAPSHOT_REMOVED, point, user.subject(), user.role().claim())
        .remote(remote).detail("reason", "deleted").detail("hits", point.hitCount).build());
    push(function);
    return true;
  }

  private void expire(String function, String id) {
    finish(function, id, StoredPoint.Status.EXPIRED, "expired");
  }

  /** Takes an active point off the instances, keeping it and its hits to read. */
  private void finish(String function, String id, StoredPoint.Status status, String reason) {
    StoredPoint point;
    synchronized (lock) {
      point = byFunction.getOrDefault(function, Map.of()).get(id);
      if (point == null || point.status != StoredPoint.Status.ACTIVE) {
        return;
      }
      point.status = status;
    }
    audit.record(event(AuditCode.SNAPSHOT_REMOVED, point, AuditEvent.RELAY, "relay")
        .detail("reason", reason).detail("hits", point.hitCount).build());
    LOG.info("snapshot point done function={} point={} reason={}", function, id, reason);
    push(function);
  }

  /** Sends the function's active points to each of its live instances. */
  private void push(String function) {
    TunnelMessage.SnapshotPoints points = pointsOf(function);
    for (AgentTunnel tunnel : registry.instancesOf(function)) {
      if (tunnel.supports(CAPABILITY)) {
        tunnel.send(points);
      }
    }
  }

  private TunnelMessage.SnapshotPoints pointsOf(String function) {
    synchronized (lock) {
      return new TunnelMessage.SnapshotPoints(
          byFunction.getOrDefault(function, Map.of()).values().stream()
              .filter(p -> p.status == StoredPoint.Status.ACTIVE).map(StoredPoint::wire).toList(),
          config.redact(), config.hitsPerSecond(), (double) config.pauseBudget().toNanos() / 1e6);
    }
  }

  @Override
  public void welcomed(AgentTunnel tunnel) {
    // Always, when the shim takes points: an empty set clears what a shim kept from before a
    // relay restart or from a point deleted while its tunnel was down.
    if (tunnel.supports(CAPABILITY)) {
      tunnel.instance().ifPresent(instance -> tunnel.send(pointsOf(instance.function())));
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
      CompletableFuture<TunnelMessage.Scripts> waiting = scriptRequests.remove(scripts.request());
      if (waiting != null) {
        waiting.complete(scripts);
      }
    }
  }

  private void hit(Instance instance, String remote, TunnelMessage.SnapshotHit hit) {
    StoredPoint point;
    boolean done;
    synchronized (lock) {
      point = byFunction.getOrDefault(instance.function(), Map.of()).get(hit.point());
      if (point == null || point.status != StoredPoint.Status.ACTIVE) {
        return; // deleted or done meanwhile: a hit in flight is not kept
      }
      point.hitCount++;
      point.dropped += hit.dropped();
      point.add(stored(instance, hit));
      done = point.hitCount >= point.request.maxHits();
    }
    audit.record(event(AuditCode.SNAPSHOT_HIT, point, "agent:" + instance.function(), "agent")
        .instance(instance.id()).remote(remote)
        .detail("pauseMicros", Math.round(hit.pauseMs() * 1000)).build());
    if (done) {
      finish(instance.function(), point.id, StoredPoint.Status.COMPLETED, "maxHits");
    }
  }

  /** The hit as kept and shown: masked again here, whatever the shim did. */
  private ObjectNode stored(Instance instance, TunnelMessage.SnapshotHit hit) {
    ObjectNode stored = Json.MAPPER.createObjectNode();
    stored.put("instance", instance.id()).put("at", Instant.ofEpochMilli(hit.at()).toString())
        .put("pauseMs", Math.round(hit.pauseMs() * 1000) / 1000.0);
    stored.set("stack", Json.MAPPER.valueToTree(hit.stack()));
    if (hit.scopes() != null) {
      JsonNode scopes = hit.scopes().deepCopy();
      redaction.mask(scopes);
      stored.set("scopes", scopes);
    }
    if (hit.log() != null) {
      stored.put("log", hit.log());
    }
    stored.put("cut", hit.cut());
    if (hit.dropped() > 0) {
      stored.put("droppedBefore", hit.dropped());
    }
    return stored;
  }

  private void disabled(Instance instance, String remote, TunnelMessage.SnapshotDisabled off) {
    StoredPoint point;
    String reason = off.reason().length() > 300 ? off.reason().substring(0, 300) + "…" : off.reason();
    synchronized (lock) {
      point = byFunction.getOrDefault(instance.function(), Map.of()).get(off.point());
      if (point == null || point.disabled.containsKey(instance.id()) || point.disabled.size() >= 100) {
        return;
      }
      point.disabled.put(instance.id(), new StoredPoint.Disabled(instance.id(), reason, clock.instant()));
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
    scriptRequests.put(request, answer);
    tunnel.send(new TunnelMessage.ScriptsRequest(request));
    return answer.orTimeout(SCRIPTS_PATIENCE.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete((ok, error) -> scriptRequests.remove(request));
  }

  private AuditEvent.Builder event(AuditCode code, StoredPoint point, String actor, String role) {
    return AuditEvent.of(code).at(clock.instant()).actor(actor).role(role)
        .function(point.function).detail("point", point.id).detail("kind", point.kind())
        .detail("url", point.request.url()).detail("line", point.request.line())
        .detail("createdBy", point.createdBy);
  }

  /** Keeps at most twice the active limit per function: the oldest finished points go first. */
  private void forgetOldest(Map<String, StoredPoint> points) {
    var finished = points.values().stream().filter(p -> p.status != StoredPoint.Status.ACTIVE)
        .map(p -> p.id).toList();
    int excess = points.size() - 2 * config.maxPointsPerFunction();
    for (int i = 0; i < excess && i < finished.size(); i++) {
      points.remove(finished.get(i));
    }
  }

  /** {@code s-<millis>-<random>}: sorts by creation, not guessable. */
  private String newId(Instant now) {
    byte[] bytes = new byte[4];
    random.nextBytes(bytes);
    return String.format("s-%013d-%s", now.toEpochMilli(), HexFormat.of().formatHex(bytes));
  }
}
