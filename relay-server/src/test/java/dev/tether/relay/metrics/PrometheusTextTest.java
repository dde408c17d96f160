package dev.tether.relay.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PrometheusTextTest {
  @Test
  void labelValuesAreEscapedAndWholeNumbersHaveNoDecimals() {
    String text = new PrometheusText()
        .family("x_total", "counter", "a help\nline")
        .sample("x_total", 3, "reason", "a \"quoted\" \\ value\n")
        .sample("x_total", 0.25)
        .toString();

    assertThat(text).isEqualTo("# HELP x_total a help\\nline\n# TYPE x_total counter\n"
        + "x_total{reason=\"a \\\"quoted\\\" \\\\ value\\n\"} 3\nx_total 0.25\n");
  }

  @Test
  void histogramBucketsAreCumulativeAndEndWithTheTotal() {
    LatencyHistogram histogram = new LatencyHistogram();
    histogram.observe(10_000); // 10 µs
    histogram.observe(300_000); // 0.3 ms
    histogram.observe(20_000_000_000L); // 20 s, above every bound

    long[] cumulative = histogram.cumulative();

    assertThat(cumulative[0]).isEqualTo(1);
    assertThat(cumulative[3]).isEqualTo(2); // le=0.0005
    assertThat(cumulative[LatencyHistogram.BOUNDS.length - 1]).isEqualTo(2);
    assertThat(cumulative[cumulative.length - 1]).isEqualTo(3);
    assertThat(histogram.sumSeconds()).isCloseTo(20.00031, org.assertj.core.data.Offset.offset(1e-9));
  }
}
