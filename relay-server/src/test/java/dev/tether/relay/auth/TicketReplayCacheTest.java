package dev.tether.relay.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.testkit.clock.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TicketReplayCacheTest {
  private final MutableClock clock = MutableClock.atSomeMonday();

  private Instant inSeconds(long seconds) {
    return clock.instant().plusSeconds(seconds);
  }

  @Test
  void aTicketIdIsFreshTheFirstTimeOnly() {
    TicketReplayCache cache = new TicketReplayCache(clock);

    assertThat(cache.markUsed("t-1", inSeconds(60))).isTrue();
    assertThat(cache.markUsed("t-1", inSeconds(60))).isFalse();
    assertThat(cache.markUsed("t-2", inSeconds(60))).isTrue();
  }

  @Test
  void expiredEntriesArePurged() {
    TicketReplayCache cache = new TicketReplayCache(clock);
    cache.markUsed("t-1", inSeconds(10));
    cache.markUsed("t-2", inSeconds(90));

    clock.advance(Duration.ofSeconds(11));

    assertThat(cache.size()).isEqualTo(1);
    clock.advance(Duration.ofSeconds(80));
    assertThat(cache.size()).isZero();
  }

  @Test
  void anAlreadyExpiredTicketIsNeverFresh() {
    TicketReplayCache cache = new TicketReplayCache(clock);

    assertThat(cache.redeem("t-1", clock.instant())).isEqualTo(TicketReplayCache.Outcome.EXPIRED);
    assertThat(cache.size()).isZero();
  }

  @Test
  void aFloodOfUsedTicketsNeverStopsAnotherUsersTicket() {
    TicketReplayCache cache = new TicketReplayCache(clock);
    for (int i = 0; i < 150_000; i++) {
      assertThat(cache.redeem("flood-" + i, inSeconds(60)))
          .isEqualTo(TicketReplayCache.Outcome.FIRST_USE);
    }

    assertThat(cache.redeem("alice", inSeconds(30))).isEqualTo(TicketReplayCache.Outcome.FIRST_USE);
    assertThat(cache.redeem("flood-7", inSeconds(60))).isEqualTo(TicketReplayCache.Outcome.REPLAYED);
  }

  @Test
  void anEntryLivesExactlyUntilItsTicketsExpiryAndIsThenForgotten() {
    TicketReplayCache cache = new TicketReplayCache(clock);
    for (int i = 0; i < 10_000; i++) {
      cache.markUsed("flood-" + i, inSeconds(60));
    }

    clock.advance(Duration.ofSeconds(59));
    assertThat(cache.redeem("flood-1", inSeconds(60))).isEqualTo(TicketReplayCache.Outcome.REPLAYED);
    clock.advance(Duration.ofSeconds(1));
    assertThat(cache.size()).as("purged once expired").isZero();
  }
}
