package dev.tether.shim.stream;

/**
 * How long one stream's messages spend inside the shim, one direction: from arriving on one
 * socket to the write on the other completing. A fixed histogram of power-of-two microsecond
 * buckets (1 µs to about 17 minutes), so it costs the same few hundred bytes however long the
 * session lasts; the shim logs its quantiles when the session closes. Used on the stream's event
 * loop only; not thread-safe.
 */
final class ShimLatency {
  private static final int BUCKETS = 31;

  private final long[] counts = new long[BUCKETS];
  private long total;

  /** One message that took {@code nanos} in the shim. */
  void record(long nanos) {
    long micros = Math.max(1, nanos / 1000);
    int bucket = Math.min(BUCKETS - 1, 63 - Long.numberOfLeadingZeros(micros));
    counts[bucket]++;
    total++;
  }

  long count() {
    return total;
  }

  /**
   * The upper bound, in microseconds, of the bucket holding quantile {@code q} (0 to 1): at most
   * twice the true value. 0 when nothing was recorded.
   */
  long quantileMicros(double q) {
    if (total == 0) {
      return 0;
    }
    long rank = Math.max(1, (long) Math.ceil(q * total));
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return 1L << (i + 1);
      }
    }
    return 1L << BUCKETS;
  }

  /** "n=…, p50≤…µs, p99≤…µs", for the session's closing log line. */
  String summary() {
    return "n=" + total + " p50<=" + quantileMicros(0.5) + "us p99<=" + quantileMicros(0.99) + "us";
  }
}
