package dev.tether.bench;

import java.util.Arrays;

/** Measured values of one side of one benchmark (nanoseconds, bytes or rates), sorted on demand. */
final class Samples {
  private long[] values = new long[64];
  private int size;

  synchronized void add(long value) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = value;
  }

  synchronized long[] sorted() {
    long[] copy = Arrays.copyOf(values, size);
    Arrays.sort(copy);
    return copy;
  }

  synchronized int size() {
    return size;
  }

  /** The nearest-rank percentile, e.g. 50 or 99. */
  double percentile(double p) {
    long[] s = sorted();
    if (s.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(p / 100.0 * s.length);
    return s[Math.max(0, Math.min(s.length - 1, rank - 1))];
  }

  double p50() {
    return percentile(50);
  }

  double p99() {
    return percentile(99);
  }
}
