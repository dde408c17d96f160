package dev.tether.relay.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RateLimiterTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void aBurstIsAllowedThenTheSustainedRate() {
    RateLimiter limiter = new RateLimiter(10, 5, 0);

    for (int i = 0; i < 5; i++) {
      assertThat(limiter.tryAcquire(0)).isTrue();
    }
    assertThat(limiter.tryAcquire(0)).isFalse();
    assertThat(limiter.tryAcquire(SECOND / 10)).isTrue();
    assertThat(limiter.tryAcquire(SECOND / 10)).isFalse();
  }

  @Test
  void theBucketRefillsNoFurtherThanTheBurst() {
    RateLimiter limiter = new RateLimiter(10, 3, 0);

    int granted = 0;
    for (int i = 0; i < 10; i++) {
      granted += limiter.tryAcquire(100 * SECOND) ? 1 : 0;
    }

    assertThat(granted).isEqualTo(3);
  }

  @Test
  void aFloodIsReportedOncePerEpisode() {
    RateLimiter limiter = new RateLimiter(1, 1, 0);
    limiter.tryAcquire(0);

    assertThat(limiter.tryAcquire(0)).isFalse();
    assertThat(limiter.startsEpisode()).isTrue();
    assertThat(limiter.tryAcquire(0)).isFalse();
    assertThat(limiter.startsEpisode()).isFalse();
    assertThat(limiter.tryAcquire(2 * SECOND)).isTrue();
    assertThat(limiter.tryAcquire(2 * SECOND)).isFalse();
    assertThat(limiter.startsEpisode()).isTrue();
  }
}
