package dev.tether.relay.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.protocol.SnapshotPoint;
import dev.tether.relay.http.Json;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One point as the relay keeps it: what was asked, by whom, until when, its state, and its
 * latest hits (bounded; already masked). {@link #state} and {@link #fromState} are its form in
 * the data directory's file and in the cluster's Redis. An instance is guarded by its store.
 */
final class StoredPoint {
  /** What a point id looks like ({@code s-<millis>-<random>}); anything else is no point. */
  static final Pattern ID = Pattern.compile("s-[0-9]{13}-[0-9a-f]{8}");

  /** Where a point is in its life; only {@code ACTIVE} points reach instances. */
  enum Status {
    ACTIVE, COMPLETED, EXPIRED;

    String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Status of(String wire) {
      return valueOf(wire.toUpperCase(Locale.ROOT));
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

  /**
   * The whole point as it is kept: {@link #view} plus what only the relay needs; with its hits
   * (oldest first) when {@code withHits}.
   */
  ObjectNode state(boolean withHits) {
    ObjectNode state = view(false);
    state.put("maxStoredHits", maxStoredHits);
    state.put("dropped", dropped);
    if (withHits) {
      ArrayNode list = state.putArray("hits");
      hits.forEach(list::add);
    }
    return state;
  }

  /** A point from its {@link #state}; a readable {@link IllegalArgumentException} when broken. */
  static StoredPoint fromState(JsonNode state) {
    try {
      Instant createdAt = Instant.parse(required(state, "createdAt").asText());
      Instant expiresAt = Instant.parse(required(state, "expiresAt").asText());
      PointRequest request = new PointRequest(required(state, "url").asText(),
          required(state, "line").asInt(), required(state, "maxHits").asInt(),
          Duration.between(createdAt, expiresAt), textOrNull(state, "condition"),
          textOrNull(state, "log"));
      StoredPoint point = new StoredPoint(required(state, "id").asText(),
          required(state, "function").asText(), request, required(state, "createdBy").asText(),
          createdAt, expiresAt, Math.max(1, state.path("maxStoredHits").asInt(100)));
      point.status = Status.of(required(state, "status").asText());
      point.hitCount = state.path("hitCount").asInt();
      point.dropped = state.path("dropped").asInt();
      for (JsonNode off : state.path("disabled")) {
        point.disabled.put(off.path("instance").asText(), new Disabled(
            off.path("instance").asText(), off.path("reason").asText(),
            Instant.parse(off.path("at").asText())));
      }
      for (JsonNode hit : state.path("hits")) {
        if (hit instanceof ObjectNode object) {
          point.add(object);
        }
      }
      return point;
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("a time is not an ISO-8601 instant: " + e.getParsedString());
    }
  }

  private static JsonNode required(JsonNode state, String field) {
    JsonNode value = state.get(field);
    if (value == null || value.isNull() || value.isContainerNode()) {
      throw new IllegalArgumentException("a point lacks \"" + field + "\"");
    }
    return value;
  }

  private static String textOrNull(JsonNode state, String field) {
    JsonNode value = state.get(field);
    return value == null || value.isNull() ? null : value.asText();
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
