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

  /**
   * How long to wait after the {@code failures}-th failure in a row (1-based) with {@code relays}
   * relay URLs taken in turn: none while some URL of the current round is still untried (losing
   * one node of a cluster costs no wait at all), and a jittered, growing delay once every URL has
   * failed in the round, so a cluster that is wholly down is not hammered.
   */
  public Duration afterFailure(int failures, int relays, RandomGenerator random) {
    if (failures < 1 || relays < 1) {
      throw new IllegalArgumentException("failures and relays start at 1");
    }
    if (failures % relays != 0) {
      return Duration.ZERO;
    }
    return delay(failures / relays - 1, random);
  }

  /** A random delay in {@code [0, ceiling(attempt)]}. */
  public Duration delay(int attempt, RandomGenerator random) {
    return Duration.ofMillis(random.nextLong(ceiling(attempt).toMillis() + 1));
  }
}
