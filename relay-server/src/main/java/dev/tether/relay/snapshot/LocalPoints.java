package dev.tether.relay.snapshot;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.relay.auth.SigningKeys;
import dev.tether.relay.http.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A relay's own snapshot points: in memory, and saved to {@code snapshots.json} in the data
 * directory (signed with the relay's key, written whole and moved into place, at most twice a
 * second and when the relay stops; see {@link PointsFile}), with each point's {@link #SAVED_HITS}
 * newest hits, so a restart keeps them. A file that cannot be read, or that the relay did not
 * sign as it is, stops the relay's start with what to do, never a stack trace.
 */
final class LocalPoints implements PointStore {
  private static final Logger LOG = LoggerFactory.getLogger(LocalPoints.class);
  static final String FILE = "snapshots.json";
  /** Hits per point the file keeps: a restart keeps the newest, the file stays small. */
  static final int SAVED_HITS = 20;
  private static final long SAVE_DELAY_MS = 500;

  private final PointsFile file;
  private final ScheduledExecutorService scheduler;
  private final Object lock = new Object();
  private final Map<String, Map<String, StoredPoint>> byFunction = new LinkedHashMap<>();
  private final List<StoredPoint> loaded = new ArrayList<>();
  private boolean saveScheduled;
  private boolean closed;

  private LocalPoints(PointsFile file, ScheduledExecutorService scheduler) {
    this.file = file;
    this.scheduler = scheduler;
  }

  /**
   * The points saved in {@code dataDir} and signed with {@code keys} (none the first time);
   * {@code null} dataDir: memory only. A file that is not this relay's, as it saved it, is a
   * {@link PointsFile.Refused}.
   */
  static LocalPoints open(Path dataDir, SigningKeys keys, ScheduledExecutorService scheduler)
      throws IOException {
    LocalPoints points = new LocalPoints(
        dataDir == null ? null : new PointsFile(dataDir.resolve(FILE), keys), scheduler);
    if (points.file != null && points.file.exists()) {
      points.load();
    }
    return points;
  }

  private void load() throws IOException {
    byte[] document = file.read();
    try {
      JsonNode root = Json.MAPPER.readTree(document);
      if (root == null || !root.path("points").isArray()) {
        throw new IllegalArgumentException("it has no \"points\" list");
      }
      for (JsonNode state : root.path("points")) {
        StoredPoint point = StoredPoint.fromState(state);
        byFunction.computeIfAbsent(point.function, f -> new LinkedHashMap<>()).put(point.id, point);
        loaded.add(copy(point, false));
      }
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw file.unreadable(
          e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage());
    }
    LOG.info("snapshot points loaded file={} functions={}", file.path(), byFunction.size());
  }

  @Override
  public List<StoredPoint> restored() {
    synchronized (lock) {
      List<StoredPoint> once = List.copyOf(loaded);
      loaded.clear();
      return once;
    }
  }

  @Override
  public List<StoredPoint> all(String function, boolean withHits) {
    synchronized (lock) {
      List<StoredPoint> copies = new ArrayList<>();
      byFunction.getOrDefault(function, Map.of()).values().forEach(p -> copies.add(copy(p, withHits)));
      return copies;
    }
  }

  @Override
  public Optional<StoredPoint> get(String function, String id, boolean withHits) {
    synchronized (lock) {
      return Optional.ofNullable(byFunction.getOrDefault(function, Map.of()).get(id))
          .map(p -> copy(p, withHits));
    }
  }

  @Override
  public void add(StoredPoint point, int keep) {
    synchronized (lock) {
      Map<String, StoredPoint> points = byFunction.computeIfAbsent(point.function, f -> new LinkedHashMap<>());
      points.put(point.id, copy(point, true));
      List<String> finished = points.values().stream()
          .filter(p -> p.status != StoredPoint.Status.ACTIVE).map(p -> p.id).toList();
      int excess = points.size() - keep; // the oldest finished points go first
      for (int i = 0; i < excess && i < finished.size(); i++) {
        points.remove(finished.get(i));
      }
    }
    saveSoon();
  }

  @Override
  public boolean remove(String function, String id) {
    boolean removed;
    synchronized (lock) {
      Map<String, StoredPoint> points = byFunction.get(function);
      removed = points != null && points.remove(id) != null;
      if (points != null && points.isEmpty()) {
        byFunction.remove(function);
      }
    }
    saveSoon();
    return removed;
  }

  @Override
  public boolean finish(String function, String id, StoredPoint.Status status) {
    synchronized (lock) {
      StoredPoint point = byFunction.getOrDefault(function, Map.of()).get(id);
      if (point == null || point.status != StoredPoint.Status.ACTIVE) {
        return false;
      }
      point.status = status;
    }
    saveSoon();
    return true;
  }

  @Override
  public boolean disabled(String function, String id, StoredPoint.Disabled off) {
    synchronized (lock) {
      StoredPoint point = byFunction.getOrDefault(function, Map.of()).get(id);
      if (point == null || point.disabled.containsKey(off.instance()) || point.disabled.size() >= 100) {
        return false;
      }
      point.disabled.put(off.instance(), off);
    }
    saveSoon();
    return true;
  }

  @Override
  public int hit(String function, String id, ObjectNode hit, int dropped) {
    int count;
    synchronized (lock) {
      StoredPoint point = byFunction.getOrDefault(function, Map.of()).get(id);
      if (point == null || point.status != StoredPoint.Status.ACTIVE) {
        return -1;
      }
      point.hitCount++;
      point.dropped += dropped;
      point.add(hit);
      count = point.hitCount;
    }
    saveSoon();
    return count;
  }

  @Override
  public Set<String> functions() {
    synchronized (lock) {
      return Set.copyOf(byFunction.keySet());
    }
  }

  private static StoredPoint copy(StoredPoint point, boolean withHits) {
    return StoredPoint.fromState(point.state(withHits));
  }

  private void saveSoon() {
    synchronized (lock) {
      if (file == null || saveScheduled || closed) {
        return;
      }
      saveScheduled = true;
    }
    try {
      scheduler.schedule(this::save, SAVE_DELAY_MS, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      save(); // the scheduler is stopping: save now
    }
  }

  /** Signs the points and puts the file in place whole. */
  void save() {
    byte[] bytes;
    synchronized (lock) {
      saveScheduled = false;
      if (file == null) {
        return;
      }
      ObjectNode root = Json.MAPPER.createObjectNode().put("version", 2);
      ArrayNode list = root.putArray("points");
      byFunction.values().forEach(points -> points.values().forEach(p -> {
        ObjectNode state = p.state(false);
        ArrayNode hits = state.putArray("hits");
        int skip = Math.max(0, p.hits.size() - SAVED_HITS);
        p.hits.stream().skip(skip).forEach(hits::add);
        list.add(state);
      }));
      try {
        bytes = Json.MAPPER.writeValueAsBytes(root);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
    try {
      file.write(bytes);
    } catch (IOException e) {
      LOG.warn("snapshot points not saved file={} cause={}", file.path(), e.toString());
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    save();
  }
}
