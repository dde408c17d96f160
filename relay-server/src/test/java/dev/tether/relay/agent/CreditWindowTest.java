package dev.tether.relay.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CreditWindowTest {
  private static final long MIB = 1024 * 1024;
  private static final long MS = 1_000_000;

  /** DevTools takes {@code perRoundTrip} bytes in each of {@code rounds} round trips of 50 ms. */
  private static long feed(CreditWindow window, long perRoundTrip, int rounds, long start) {
    long now = start;
    for (int i = 0; i < rounds; i++) {
      window.onPassed(perRoundTrip / 2, now, 50 * MS);
      now += 25 * MS;
      window.onPassed(perRoundTrip / 2, now, 50 * MS);
      now += 25 * MS;
    }
    window.onPassed(0, now, 50 * MS);
    return now;
  }

  @Test
  void aFarLinkThatFillsTheWindowEachRoundTripDoublesItUpToTheBound() {
    CreditWindow window = new CreditWindow(MIB, CreditWindow.MAX);

    long added = window.onPassed(MIB, 0, 50 * MS) + window.onPassed(0, 50 * MS, 50 * MS);

    assertThat(window.size()).isEqualTo(2 * MIB);
    assertThat(added).as("granted on top of what DevTools took").isEqualTo(MIB);
    long now = 50 * MS;
    while (window.size() < CreditWindow.MAX) {
      long before = window.size();
      window.onPassed(window.size(), now + 50 * MS, 50 * MS);
      now += 50 * MS;
      assertThat(window.size()).isGreaterThan(before);
    }
    window.onPassed(CreditWindow.MAX, now + 50 * MS, 50 * MS);
    assertThat(window.size()).isEqualTo(CreditWindow.MAX);
  }

  @Test
  void aNearLinkNeverFillsHalfAWindowPerRoundTripAndKeepsItsStartingSize() {
    CreditWindow window = new CreditWindow(MIB, CreditWindow.MAX);
    long now = 0;
    // 1 GB/s over a 0.1 ms loopback round trip is 100 KB per round trip.
    for (int i = 0; i < 10_000; i++) {
      window.onPassed(100_000, now, 100_000);
      now += 100_000;
    }
    assertThat(window.size()).isEqualTo(MIB);
  }

  @Test
  void aDevToolsThatTakesLittleNeverGrowsItWhateverTheLink() {
    CreditWindow window = new CreditWindow(MIB, CreditWindow.MAX);

    feed(window, MIB / 4, 100, 0);

    assertThat(window.size()).isEqualTo(MIB);
  }

  @Test
  void anUnknownRoundTripLeavesTheWindowAlone() {
    CreditWindow window = new CreditWindow(MIB, CreditWindow.MAX);

    assertThat(window.onPassed(64 * MIB, 0, 0)).isZero();
    assertThat(window.onPassed(64 * MIB, 10_000 * MS, 0)).isZero();
    assertThat(window.size()).isEqualTo(MIB);
  }

  @Test
  void aLongPauseCountsAsSeveralRoundTripsNotOne() {
    CreditWindow window = new CreditWindow(MIB, CreditWindow.MAX);
    window.onPassed(0, 0, 50 * MS);

    // 2 MiB over ten round trips is 200 KiB per round trip: the window was never the limit.
    assertThat(window.onPassed(2 * MIB, 500 * MS, 50 * MS)).isZero();
    assertThat(window.size()).isEqualTo(MIB);
  }

  @Test
  void aWindowMustStartWithinItsBound() {
    assertThatThrownBy(() -> new CreditWindow(0, MIB)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new CreditWindow(2 * MIB, MIB))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
