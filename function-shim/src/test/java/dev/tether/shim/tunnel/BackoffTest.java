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
  void aCapBelowTheBaseIsRefused() {
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessageContaining("below its base");
  }
}
