package dev.tether.relay.auth;

import static org.assertj.core.api.Assertions.assertThat;

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
  void aFullCacheRefusesUntilEntriesExpire() {
    TicketReplayCache cache = new TicketReplayCache(clock, 2);
    cache.markUsed("t-1", inSeconds(10));
    cache.markUsed("t-2", inSeconds(20));

    assertThat(cache.redeem("t-3", inSeconds(30))).isEqualTo(TicketReplayCache.Outcome.FULL);
    assertThat(cache.size()).isEqualTo(2);

    clock.advance(Duration.ofSeconds(10));
    assertThat(cache.redeem("t-3", inSeconds(30))).isEqualTo(TicketReplayCache.Outcome.FIRST_USE);
  }

  @Test
  void aReplayIsReportedAsSuchEvenWhenTheCacheIsFull() {
    TicketReplayCache cache = new TicketReplayCache(clock, 1);
    cache.markUsed("t-1", inSeconds(10));

    assertThat(cache.redeem("t-1", inSeconds(10))).isEqualTo(TicketReplayCache.Outcome.REPLAYED);
  }
}
