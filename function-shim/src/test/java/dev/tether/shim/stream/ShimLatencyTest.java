package dev.tether.shim.stream;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ShimLatencyTest {
  @Test
  void quantilesAreTheUpperBoundOfTheirPowerOfTwoBucket() {
    ShimLatency latency = new ShimLatency();
    for (int i = 0; i < 98; i++) {
      latency.record(150_000); // 150 µs: the 128–256 µs bucket
    }
    latency.record(3_000_000); // 3 ms
    latency.record(40_000_000); // 40 ms

    assertThat(latency.count()).isEqualTo(100);
    assertThat(latency.quantileMicros(0.5)).isEqualTo(256);
    assertThat(latency.quantileMicros(0.99)).isEqualTo(4096);
    assertThat(latency.quantileMicros(1.0)).isEqualTo(65_536);
    assertThat(latency.summary()).isEqualTo("n=100 p50<=256us p99<=4096us");
  }

  @Test
  void nothingRecordedSaysZeroAndAnAbsurdTimeLandsInTheLastBucket() {
    ShimLatency latency = new ShimLatency();
    assertThat(latency.quantileMicros(0.5)).isZero();

    latency.record(Long.MAX_VALUE);
    latency.record(0);

    assertThat(latency.quantileMicros(0.5)).isEqualTo(2);
    assertThat(latency.quantileMicros(1.0)).isEqualTo(1L << 31);
  }
}
