package dev.tether.shim.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private final Backoff backoff = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(30));

  @Test
  void theCeilingDoublesFromTheBaseUntilTheCap() {
    assertThat(backoff.ceiling(0)).isEqualTo(Duration.ofMillis(250));
    assertThat(backoff.ceiling(1)).isEqualTo(Duration.ofMillis(500));
    assertThat(backoff.ceiling(4)).isEqualTo(Duration.ofMillis(4000));
    assertThat(backoff.ceiling(7)).isEqualTo(Duration.ofSeconds(30));
    assertThat(backoff.ceiling(10_000)).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void everyDelayIsBetweenZeroAndTheCeiling() {
    Random random = new Random(42);
    for (int attempt = 0; attempt < 50; attempt++) {
      Duration delay = backoff.delay(attempt, random);
      assertThat(delay).isBetween(Duration.ZERO, backoff.ceiling(attempt));
    }
  }

  @Test
  void aThousandShimsSpreadTheirRetriesAcrossTheWholeRange() {
    Random random = new Random(7);
    Set<Long> seconds = new HashSet<>();
    for (int shim = 0; shim < 1000; shim++) {
      seconds.add(backoff.delay(20, random).toSeconds());
    }
    assertThat(seconds).hasSizeGreaterThan(25);
  }

  @Test
  void withSeveralRelaysTheNextOneIsTriedAtOnceUntilEveryOneHasFailedInTheRound() {
    Random random = new Random(3);
    assertThat(backoff.afterFailure(1, 3, random)).isZero(); // the node died: the next, now
    assertThat(backoff.afterFailure(2, 3, random)).isZero();
    for (int round = 1; round <= 6; round++) {
      assertThat(backoff.afterFailure(3 * round, 3, random))
          .as("after round %d of three failures", round)
          .isBetween(Duration.ZERO, backoff.ceiling(round - 1));
      assertThat(backoff.afterFailure(3 * round + 1, 3, random)).isZero();
    }
  }

  @Test
  void afterAWholeRoundFailedTheWaitIsJitteredAndGrowsToTheCap() {
    Random random = new Random(11);
    Set<Long> firstRound = new HashSet<>();
    long longest = 0;
    for (int shim = 0; shim < 200; shim++) {
      firstRound.add(backoff.afterFailure(2, 2, random).toMillis());
      longest = Math.max(longest, backoff.afterFailure(2 * 40, 2, random).toMillis());
    }
    assertThat(firstRound).hasSizeGreaterThan(50); // not all at the same instant
    assertThat(longest).isGreaterThan(10_000).isLessThanOrEqualTo(30_000);
  }

  @Test
  void withOneRelayEveryFailureIsAWholeRound() {
    Random random = new Random(5);
    for (int failures = 1; failures < 10; failures++) {
      assertThat(backoff.afterFailure(failures, 1, random))
          .isBetween(Duration.ZERO, backoff.ceiling(failures - 1));
    }
  }

  @Test
  void aCapBelowTheBaseIsRefused() {
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessageContaining("below its base");
  }
}
