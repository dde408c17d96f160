package dev.tether.relay.policy;

/**
 * A token bucket for one session's commands: {@code burst} tokens at most, refilled at {@code
 * perSecond}. Time comes from the caller (nanoseconds), so tests need no clock tricks. Not
 * thread-safe; one session's frames arrive one at a time.
 */
public final class RateLimiter {
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final int perSecond;
  private final int burst;
  private double tokens;
  private long lastNanos;
  private boolean limiting;

  public RateLimiter(int perSecond, int burst, long nowNanos) {
    if (perSecond <= 0 || burst <= 0) {
      throw new IllegalArgumentException("rate and burst must be positive");
    }
    this.perSecond = perSecond;
    this.burst = burst;
    this.tokens = burst;
    this.lastNanos = nowNanos;
  }

  /** Takes one token; false when the bucket is empty. */
  public boolean tryAcquire(long nowNanos) {
    long elapsed = Math.max(0, nowNanos - lastNanos);
    lastNanos = nowNanos;
    tokens = Math.min(burst, tokens + (double) elapsed * perSecond / NANOS_PER_SECOND);
    if (tokens >= 1) {
      tokens -= 1;
      limiting = false;
      return true;
    }
    return false;
  }

  /**
   * True for the first refusal after a granted command, so a flood is reported once per episode
   * instead of once per message.
   */
  public boolean startsEpisode() {
    if (limiting) {
      return false;
    }
    limiting = true;
    return true;
  }

  public int perSecond() {
    return perSecond;
  }
}
