package dev.tether.relay.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.testkit.clock.MutableClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TicketMintingTest {
  private final MutableClock clock = MutableClock.atSomeMonday();
  private final TicketMinting minting = new TicketMinting(60, clock);
  private final UserId mallory = new UserId("https://relay.test", "mallory");

  @Test
  void aUserMintsUpToTheLimitAndIsThenToldHowLongToWait() {
    for (int i = 0; i < 60; i++) {
      assertThat(minting.take(mallory)).isZero();
    }

    assertThat(minting.take(mallory)).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void theBucketRefillsEvenlyOverAMinute() {
    for (int i = 0; i < 60; i++) {
      minting.take(mallory);
    }

    clock.advance(Duration.ofSeconds(10));

    for (int i = 0; i < 10; i++) {
      assertThat(minting.take(mallory)).as("ticket %d after 10 s", i).isZero();
    }
    assertThat(minting.take(mallory)).isPositive();
  }

  @Test
  void oneUsersFloodLeavesOthersAndTheSameSubjectFromAnotherIssuerAlone() {
    for (int i = 0; i < 100; i++) {
      minting.take(mallory);
    }

    assertThat(minting.take(new UserId("https://relay.test", "alice"))).isZero();
    assertThat(minting.take(new UserId("https://idp.example", "mallory"))).isZero();
  }

  @Test
  void aLimitBelowOneIsAConfigError() {
    assertThatThrownBy(() -> new TicketMinting(0, clock))
        .hasMessageContaining("ticketsPerMinute");
  }
}
