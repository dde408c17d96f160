package dev.tether.shim.tunnel;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Capped exponential backoff with full jitter: the n-th retry waits a uniformly random time
 * between zero and {@code min(cap, base * 2^n)}, so a thousand shims that lost the same relay do
 * not come back at the same instant.
 */
public record Backoff(Duration base, Duration cap) {
  public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(30));

  public Backoff {
    if (base == null || cap == null || base.isNegative() || base.isZero()) {
      throw new IllegalArgumentException("backoff base must be positive");
    }
    if (cap.compareTo(base) < 0) {
      throw new IllegalArgumentException("backoff cap " + cap + " is below its base " + base);
    }
  }

  /** The ceiling of the {@code attempt}-th retry (0-based) before jitter. */
  public Duration ceiling(int attempt) {
    int doublings = Math.min(Math.max(attempt, 0), 30);
    long millis = base.toMillis() << doublings;
    return millis <= 0 || millis > cap.toMillis() ? cap : Duration.ofMillis(millis);
  }

  /** A random delay in {@code [0, ceiling(attempt)]}. */
  public Duration delay(int attempt, RandomGenerator random) {
    return Duration.ofMillis(random.nextLong(ceiling(attempt).toMillis() + 1));
  }
}
