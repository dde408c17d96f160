package dev.tether.shim.snapshot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A line of a script as V8 sees it, shared by every point set there: V8 refuses a second
 * breakpoint at one location, so the location holds the one breakpoint and one pause serves all of
 * its points, each with its own condition, budget and hits. The breakpoint stays while any point
 * here is live.
 */
final class Location {
  final String urlRegex;
  /** 0-based, as V8 numbers lines. */
  final int lineNumber;
  final Map<String, Point> points = new LinkedHashMap<>();
  String breakpointId;
  boolean arming;
  /** Whether this session paused here before: the first pause is cold ({@link HitBudget}). */
  boolean warm;

  Location(String urlRegex, int lineNumber) {
    this.urlRegex = urlRegex;
    this.lineNumber = lineNumber;
  }

  static String key(String urlRegex, int lineNumber) {
    return lineNumber + ":" + urlRegex;
  }

  String key() {
    return key(urlRegex, lineNumber);
  }

  /** True while a point here still wants hits. */
  boolean live() {
    return points.values().stream().anyMatch(p -> !p.disabled);
  }

  /** The points a pause here serves, in the order they were set. */
  List<Point> due() {
    List<Point> due = new ArrayList<>(points.size());
    for (Point point : points.values()) {
      if (!point.disabled) {
        due.add(point);
      }
    }
    return due;
  }
}
