package dev.tether.relay.config;

import java.time.Duration;

/** The range checks every config record shares, so each setting fails with the same words. */
final class Bounds {
  private Bounds() {}

  /** {@code value}, or {@code fallback} when it is null; fails unless within [min, max]. */
  static Duration between(String name, Duration value, Duration fallback, Duration min,
      Duration max) {
    Duration d = value == null ? fallback : value;
    if (d == null || d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      throw new IllegalArgumentException(name + " must be between " + Durations.format(min)
          + " and " + Durations.format(max) + ", was "
          + (d == null ? "nothing" : Durations.format(d)));
    }
    return d;
  }

  /** {@code value}, or {@code fallback} when it is zero or negative; fails above {@code max}. */
  static int positive(String name, int value, int fallback, int max) {
    int v = value <= 0 ? fallback : value;
    if (v > max) {
      throw new IllegalArgumentException(
          name + " must be between 1 and " + max + ", was " + v);
    }
    return v;
  }

  /** Null for a zero or negative duration, which the records read as "take the default". */
  static Duration positiveOrNull(Duration value) {
    return value == null || value.isZero() || value.isNegative() ? null : value;
  }
}
