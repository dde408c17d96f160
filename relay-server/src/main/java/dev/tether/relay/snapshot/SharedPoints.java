package dev.tether.relay.snapshot;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.relay.cluster.Cluster;
import dev.tether.relay.cluster.ClusterStore;
import dev.tether.relay.http.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster's snapshot points, in its Redis, so every node hands a point to its own instances and
 * shows every node's hits. Per function: one hash of points ({@code tether:points:F}, id → the
 * point without hits), one hash of counts ({@code tether:pointcounts:F}: hits and dropped per id,
 * counted by Redis so two nodes never lose one), and one list of hits per point, newest first, cut
 * to the point's {@code maxStoredHits}. All of it is bounded by the per-function limits and kept
 * {@link #KEEP} after its last write. A change is announced on {@code tether:points} (the sending
 * node and the function), and every other node pushes that function's points to its instances.
 * While Redis is down, snapshot requests get a 503 and hits are lost (logged), nothing else stops.
 */
final class SharedPoints implements PointStore {
  private static final Logger LOG = LoggerFactory.getLogger(SharedPoints.class);
  static final String POINTS = "tether:points:";
  static final String COUNTS = "tether:pointcounts:";
  static final String HITS = "tether:pointhits:";
  static final String CHANGES = "tether:points";
  static final Duration KEEP = Duration.ofDays(7);
  /** Changes the status of an active point, atomically: two nodes never both finish one. */
  private static final String FINISH = "local v = redis.call('hget', KEYS[1], ARGV[1]) "
      + "if not v then return 0 end local p = cjson.decode(v) "
      + "if p.status ~= 'active' then return 0 end p.status = ARGV[2] "
      + "redis.call('hset', KEYS[1], ARGV[1], cjson.encode(p)) return 1";
  /** Notes one instance's reason, once per instance and at most 100, atomically. */
  private static final String DISABLED = "local v = redis.call('hget', KEYS[1], ARGV[1]) "
      + "if not v then return 0 end local p = cjson.decode(v) "
      + "if type(p.disabled) ~= 'table' then p.disabled = {} end "
      + "if #p.disabled >= 100 then return 0 end "
      + "for _, d in ipairs(p.disabled) do if d.instance == ARGV[2] then return 0 end end "
      + "p.disabled[#p.disabled + 1] = cjson.decode(ARGV[3]) "
      + "redis.call('hset', KEYS[1], ARGV[1], cjson.encode(p)) return 1";

  private final ClusterStore store;
  private final String node;

  SharedPoints(ClusterStore store, String node) {
    this.store = store;
    this.node = node;
  }

  @Override
  public List<StoredPoint> all(String function, boolean withHits) {
    return shared(() -> {
      Map<String, String> counts = store.hash(COUNTS + function);
      List<StoredPoint> points = new ArrayList<>();
      for (String state : store.hash(POINTS + function).values()) {
        point(function, state, counts, withHits).ifPresent(points::add);
      }
      points.sort(Comparator.comparing(p -> p.id)); // ids sort by creation
      return points;
    });
  }

  @Override
  public Optional<StoredPoint> get(String function, String id, boolean withHits) {
    return shared(() -> {
      String state = store.hashField(POINTS + function, id);
      return state == null ? Optional.empty() : point(function, state, Map.of(
          id, String.valueOf(orZero(store.hashField(COUNTS + function, id))),
          id + ":dropped", String.valueOf(orZero(store.hashField(COUNTS + function, id + ":dropped")))),
          withHits);
    });
  }

  private Optional<StoredPoint> point(String function, String state, Map<String, String> counts,
      boolean withHits) {
    try {
      StoredPoint point = StoredPoint.fromState(Json.MAPPER.readTree(state));
      point.hitCount = (int) orZero(counts.get(point.id));
      point.dropped = (int) orZero(counts.get(point.id + ":dropped"));
      List<String> hits = withHits ? store.list(HITS + function + ":" + point.id, point.maxStoredHits)
          : List.of();
      for (int i = hits.size() - 1; i >= 0; i--) {
        if (Json.MAPPER.readTree(hits.get(i)) instanceof ObjectNode hit) {
          point.add(hit);
        }
      }
      return Optional.of(point);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      LOG.warn("snapshot point in redis skipped function={} cause={}", function, e.getMessage());
      return Optional.empty();
    }
  }

  @Override
  public void add(StoredPoint point, int keep) {
    shared(() -> {
      store.putField(POINTS + point.function, point.id, json(point.state(false)), KEEP);
      List<StoredPoint> points = all(point.function, false);
      List<StoredPoint> finished = points.stream()
          .filter(p -> p.status != StoredPoint.Status.ACTIVE).toList();
      int excess = points.size() - keep; // the oldest finished points go first
      for (int i = 0; i < excess && i < finished.size(); i++) {
        forget(point.function, finished.get(i).id);
      }
      return null;
    });
  }

  @Override
  public boolean remove(String function, String id) {
    return shared(() -> forget(function, id));
  }

  private boolean forget(String function, String id) {
    boolean there = store.removeFields(POINTS + function, id);
    store.removeFields(COUNTS + function, id, id + ":dropped");
    store.delete(HITS + function + ":" + id);
    return there;
  }

  @Override
  public boolean finish(String function, String id, StoredPoint.Status status) {
    return shared(() -> Long.valueOf(1).equals(
        store.script(FINISH, List.of(POINTS + function), List.of(id, status.wire()))));
  }

  @Override
  public boolean disabled(String function, String id, StoredPoint.Disabled off) {
    ObjectNode entry = Json.MAPPER.createObjectNode().put("instance", off.instance())
        .put("reason", off.reason()).put("at", off.at().toString());
    return shared(() -> Long.valueOf(1).equals(store.script(DISABLED, List.of(POINTS + function),
        List.of(id, off.instance(), json(entry)))));
  }

  @Override
  public int hit(String function, String id, ObjectNode hit, int dropped) {
    return shared(() -> {
      String state = store.hashField(POINTS + function, id);
      if (state == null || !state.contains("\"status\":\"active\"")) {
        return -1;
      }
      int max = Math.max(1, Json.MAPPER.readTree(state).path("maxStoredHits").asInt(1));
      store.pushBounded(HITS + function + ":" + id, json(hit), max, KEEP);
      if (dropped > 0) {
        store.addToField(COUNTS + function, id + ":dropped", dropped, KEEP);
      }
      return (int) store.addToField(COUNTS + function, id, 1, KEEP);
    });
  }

  @Override
  public Set<String> functions() {
    return shared(() -> {
      Set<String> functions = new HashSet<>();
      store.keys(POINTS).forEach(key -> functions.add(key.substring(POINTS.length())));
      return functions;
    });
  }

  @Override
  public void onChange(Consumer<String> listener) {
    store.listen(CHANGES, message -> {
      int space = message.indexOf(' ');
      if (space > 0 && !message.substring(0, space).equals(node)) {
        listener.accept(message.substring(space + 1));
      }
    });
  }

  @Override
  public void changed(String function) {
    try {
      store.publish(CHANGES, node + " " + function);
    } catch (ClusterStore.Unavailable e) {
      LOG.debug("snapshot change not announced function={}: {}", function, e.getMessage());
    }
  }

  @Override
  public void close() {
    // the cluster closes the store
  }

  private static long orZero(String number) {
    try {
      return number == null ? 0 : Long.parseLong(number);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static String json(Object value) {
    try {
      return Json.MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs {@code read} against Redis; Redis down becomes a 503 that says so. */
  private static <T> T shared(Checked<T> read) {
    try {
      return read.get();
    } catch (ClusterStore.Unavailable e) {
      throw Cluster.unavailable("read or change snapshot points");
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A Redis read that may meet JSON it cannot parse. */
  private interface Checked<T> {
    T get() throws JsonProcessingException;
  }
}
