package dev.tether.shim.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A relay restart as 1,000 shims see it: every tunnel drops at the same instant, each shim retries
 * on its own {@link Backoff} schedule, and the relay accepts again after a downtime. The arrivals
 * at the restarted relay must be spread out, not a thundering herd, and nobody may wait for long.
 */
class ReconnectStormTest {
  private static final int SHIMS = 1_000;
  private final Backoff backoff = Backoff.DEFAULT;

  @Test
  void aThousandShimsComeBackSpreadOverSecondsNotAllAtOnce() {
    long[] arrivals = simulate(Duration.ofSeconds(3), new Random(2026));

    assertThat(peakPer(arrivals, 100))
        .as("the most arrivals in any 100 ms (all at once would be %d)", SHIMS)
        .isLessThan(SHIMS / 10);
    assertThat(percentile(arrivals, 90) - percentile(arrivals, 10))
        .as("the middle 80%% of arrivals spans seconds, in ms")
        .isGreaterThan(1_000);
  }

  @Test
  void everyShimIsBackWithinTheDowntimePlusOneCappedRetry() {
    Duration downtime = Duration.ofSeconds(3);
    long[] arrivals = simulate(downtime, new Random(11));

    assertThat(Arrays.stream(arrivals).min().orElseThrow()).isGreaterThanOrEqualTo(downtime.toMillis());
    assertThat(Arrays.stream(arrivals).max().orElseThrow())
        .isLessThanOrEqualTo(downtime.plus(backoff.cap()).toMillis());
    assertThat(percentile(arrivals, 50))
        .as("half are back within 5 s of a 3 s restart")
        .isLessThan(downtime.toMillis() + 5_000);
  }

  @Test
  void aShortBlipStillSpreadsTheFirstRetries() {
    long[] arrivals = simulate(Duration.ZERO, new Random(5));

    assertThat(peakPer(arrivals, 10))
        .as("first retries in any 10 ms window, out of %d", SHIMS)
        .isLessThan(SHIMS / 10);
    assertThat(Arrays.stream(arrivals).max().orElseThrow())
        .isLessThanOrEqualTo(backoff.ceiling(0).toMillis());
  }

  /** When each shim's first successful attempt lands, in ms after the drop. */
  private long[] simulate(Duration downtime, Random random) {
    long[] arrivals = new long[SHIMS];
    for (int shim = 0; shim < SHIMS; shim++) {
      long now = 0;
      int attempt = 0;
      do {
        now += backoff.delay(attempt++, random).toMillis();
      } while (now < downtime.toMillis());
      arrivals[shim] = now;
    }
    return arrivals;
  }

  private static int peakPer(long[] arrivals, long windowMillis) {
    long[] sorted = arrivals.clone();
    Arrays.sort(sorted);
    int peak = 0;
    int start = 0;
    for (int end = 0; end < sorted.length; end++) {
      while (sorted[end] - sorted[start] >= windowMillis) {
        start++;
      }
      peak = Math.max(peak, end - start + 1);
    }
    return peak;
  }

  private static long percentile(long[] arrivals, int p) {
    long[] sorted = arrivals.clone();
    Arrays.sort(sorted);
    return sorted[Math.min(sorted.length - 1, sorted.length * p / 100)];
  }
}
