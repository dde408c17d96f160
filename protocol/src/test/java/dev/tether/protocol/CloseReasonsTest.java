package dev.tether.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CloseReasonsTest {
  @Test
  void closeReasonsAreCutToWhatACloseFrameCarries() {
    String reason = CloseReasons.fit("é".repeat(200));

    assertThat(reason.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(123);
    assertThat(reason).endsWith("…");
    assertThat(CloseReasons.fit("short")).isEqualTo("short");
  }
}
