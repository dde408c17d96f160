package dev.tether.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PollTest {
  @Test
  void returnsTheFirstValueThatIsNeitherNullNorFalse() {
    AtomicInteger calls = new AtomicInteger();
    String value = Poll.until(Duration.ofSeconds(5), "the third call",
        () -> calls.incrementAndGet() < 3 ? null : "ready");
    assertThat(value).isEqualTo("ready");
    assertThat(calls).hasValue(3);
  }

  @Test
  void aConditionThatStaysFalseFailsNamingWhatItWaitedFor() {
    long start = System.nanoTime();
    assertThatThrownBy(() -> Poll.until(Duration.ofMillis(50), "the moon", () -> false))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("the moon").hasMessageContaining("50 ms");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(50));
  }
}
