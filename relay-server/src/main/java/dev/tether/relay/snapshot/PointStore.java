package dev.tether.relay.snapshot;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Where the relay keeps its snapshot points and their hits: {@link LocalPoints} (memory, saved to
 * the data directory) for a relay alone, {@link SharedPoints} (the cluster's Redis) for a
 * cluster, so that a point set on one node reaches the instances of every node and a hit taken
 * on any node shows on all. Points come out as copies; every change goes through a method here.
 */
interface PointStore extends AutoCloseable {
  /** The function's points, oldest first, with their hits when {@code withHits}. */
  List<StoredPoint> all(String function, boolean withHits);

  /** One point, with its hits when {@code withHits}. */
  Optional<StoredPoint> get(String function, String id, boolean withHits);

  /** Adds a point, then forgets the oldest finished points past {@code keep} for its function. */
  void add(StoredPoint point, int keep);

  /** Deletes a point and its hits; false when there was none. */
  boolean remove(String function, String id);

  /** Moves an active point to {@code status}; false when it was not active (or is gone). */
  boolean finish(String function, String id, StoredPoint.Status status);

  /** Notes why the point went off one instance (once per instance, at most 100); false when not noted. */
  boolean disabled(String function, String id, StoredPoint.Disabled off);

  /**
   * Keeps a hit of an active point (bounded by the point's {@code maxStoredHits}); the point's
   * hit count with it, or -1 when the point is not active.
   */
  int hit(String function, String id, ObjectNode hit, int dropped);

  /**
   * The points this store brought back from before the relay started (a relay alone: its signed
   * file), to be audited as restored; once (later calls: none). None in a cluster, whose points
   * never left Redis.
   */
  default List<StoredPoint> restored() {
    return List.of();
  }

  /** Functions that have points, for the expiry timers of a relay that starts. */
  Set<String> functions();

  /** Tells {@code listener} the function whose points another node changed; none alone. */
  default void onChange(Consumer<String> listener) {}

  /** Tells the other nodes that {@code function}'s points changed; nothing alone. */
  default void changed(String function) {}

  @Override
  void close();
}
