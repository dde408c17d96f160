package dev.tether.shim.snapshot;

import java.util.Locale;

/**
 * What one point may cost its instance, per one-second window: at most {@code hitsPerSecond}
 * hits, and at most {@code pauseMsPerSecond} milliseconds of pause (the CPU the function loses).
 * Past either the point is disabled on the instance; the reason says which and by how much.
 *
 * <p>A location's first pause after the snapshot session opens is cold (V8 prepares the function
 * for debugging, the shim's capture code runs for the first time) and has taken over 100 ms,
 * which alone would spend the whole default budget on a point that then costs ~2 ms a hit: a cold
 * pause counts as a hit but not against the pause budget. It is one pause per location and
 * session, and is still reported with its real {@code pauseMs}.
 */
final class HitBudget {
  private static final long WINDOW_NANOS = 1_000_000_000L;

  private final int hitsPerSecond;
  private final double pauseMsPerSecond;
  private long windowStart = Long.MIN_VALUE;
  private int hits;
  private double pauseMs;

  HitBudget(int hitsPerSecond, double pauseMsPerSecond) {
    this.hitsPerSecond = hitsPerSecond;
    this.pauseMsPerSecond = pauseMsPerSecond;
  }

  /** Counts a hit at {@code nanos}; the reason to disable the point, or null when it may go on. */
  String hit(long nanos) {
    if (windowStart == Long.MIN_VALUE || nanos - windowStart >= WINDOW_NANOS) {
      windowStart = nanos;
      hits = 0;
      pauseMs = 0;
    }
    hits++;
    if (hits > hitsPerSecond) {
      return "hit more than " + hitsPerSecond + " times in one second on this instance (the"
          + " relay's snapshots.hitsPerSecond)";
    }
    return null;
  }

  /** Adds a hit's pause (unless {@code cold}); the reason to disable the point, or null. */
  String paused(double ms, boolean cold) {
    if (cold) {
      return null;
    }
    pauseMs += ms;
    if (pauseMs > pauseMsPerSecond) {
      return String.format(Locale.ROOT, "its pauses took %.1f ms in one second on this"
          + " instance, over the budget of %.1f ms (the relay's snapshots.pauseBudget)", pauseMs,
          pauseMsPerSecond);
    }
    return null;
  }
}
