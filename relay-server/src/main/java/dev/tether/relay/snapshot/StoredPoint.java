package dev.tether.relay.snapshot;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.protocol.SnapshotPoint;
import dev.tether.relay.http.Json;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One point as the relay keeps it: what was asked, by whom, until when, its state, and its
 * latest hits (bounded; already masked). Guarded by {@link Snapshots}' lock.
 */
final class StoredPoint {
  /** Where a point is in its life; only {@code ACTIVE} points reach instances. */
  enum Status {
    ACTIVE, COMPLETED, EXPIRED;

    String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Why a point went off an instance, as the shim said. */
  record Disabled(String instance, String reason, Instant at) {}

  final String id;
  final String function;
  final PointRequest request;
  final String createdBy;
  final Instant createdAt;
  final Instant expiresAt;
  final int maxStoredHits;
  Status status = Status.ACTIVE;
  int hitCount;
  int dropped;
  final ArrayDeque<ObjectNode> hits = new ArrayDeque<>();
  final Map<String, Disabled> disabled = new LinkedHashMap<>();

  StoredPoint(String id, String function, PointRequest request, String createdBy,
      Instant createdAt, Instant expiresAt, int maxStoredHits) {
    this.id = id;
    this.function = function;
    this.request = request;
    this.createdBy = createdBy;
    this.createdAt = createdAt;
    this.expiresAt = expiresAt;
    this.maxStoredHits = maxStoredHits;
  }

  /** The point as shims get it: with the hits still wanted. */
  SnapshotPoint wire() {
    return new SnapshotPoint(id, request.url(), request.line(), request.condition(), request.log(),
        Math.max(1, request.maxHits() - hitCount));
  }

  String kind() {
    return request.log() != null ? "logpoint" : "snapshot";
  }

  void add(ObjectNode hit) {
    hits.addLast(hit);
    while (hits.size() > maxStoredHits) {
      hits.removeFirst();
    }
  }

  /** The JSON the API answers with. */
  ObjectNode view(boolean withHits) {
    ObjectNode view = Json.MAPPER.createObjectNode();
    view.put("id", id).put("function", function).put("kind", kind())
        .put("url", request.url()).put("line", request.line());
    if (request.condition() != null) {
      view.put("condition", request.condition());
    }
    if (request.log() != null) {
      view.put("log", request.log());
    }
    view.put("maxHits", request.maxHits()).put("status", status.wire())
        .put("hitCount", hitCount).put("createdBy", createdBy)
        .put("createdAt", createdAt.toString()).put("expiresAt", expiresAt.toString());
    if (dropped > 0) {
      view.put("dropped", dropped);
    }
    ArrayNode off = view.putArray("disabled");
    disabled.values().forEach(d -> off.addObject().put("instance", d.instance())
        .put("reason", d.reason()).put("at", d.at().toString()));
    if (withHits) {
      ArrayNode list = view.putArray("hits");
      hits.descendingIterator().forEachRemaining(list::add); // newest first
    }
    return view;
  }
}
