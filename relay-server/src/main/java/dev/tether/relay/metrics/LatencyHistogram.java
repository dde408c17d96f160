package dev.tether.relay.metrics;

import java.util.concurrent.atomic.LongAdder;

/**
 * A fixed-bucket histogram of durations, cheap enough for every frame on the data path: one
 * {@link LongAdder} per bucket, no locks, no allocation per observation.
 */
final class LatencyHistogram {
  /** Upper bounds in seconds; the relay's own share is tens of microseconds, a stall is seconds. */
  static final double[] BOUNDS = {
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
    2.5, 10
  };
  private static final long[] BOUND_NANOS = new long[BOUNDS.length];

  static {
    for (int i = 0; i < BOUNDS.length; i++) {
      BOUND_NANOS[i] = Math.round(BOUNDS[i] * 1e9);
    }
  }

  private final LongAdder[] buckets = new LongAdder[BOUNDS.length + 1];
  private final LongAdder sumNanos = new LongAdder();

  LatencyHistogram() {
    for (int i = 0; i < buckets.length; i++) {
      buckets[i] = new LongAdder();
    }
  }

  void observe(long nanos) {
    long value = Math.max(0, nanos);
    int i = 0;
    while (i < BOUND_NANOS.length && value > BOUND_NANOS[i]) {
      i++;
    }
    buckets[i].increment();
    sumNanos.add(value);
  }

  /** Cumulative counts per bound, the last one being +Inf (the total count). */
  long[] cumulative() {
    long[] counts = new long[buckets.length];
    long running = 0;
    for (int i = 0; i < buckets.length; i++) {
      running += buckets[i].sum();
      counts[i] = running;
    }
    return counts;
  }

  double sumSeconds() {
    return sumNanos.sum() / 1e9;
  }
}
