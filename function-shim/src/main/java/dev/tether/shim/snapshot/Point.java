package dev.tether.shim.snapshot;

import dev.tether.protocol.SnapshotPoint;

/** One point as this instance runs it: its spec, its own budget and hit count, its location. */
final class Point {
  final SnapshotPoint spec;
  final HitBudget budget;
  final Location location;
  boolean disabled;
  int hits;

  Point(SnapshotPoint spec, HitBudget budget, Location location) {
    this.spec = spec;
    this.budget = budget;
    this.location = location;
  }

  String id() {
    return spec.id();
  }
}
