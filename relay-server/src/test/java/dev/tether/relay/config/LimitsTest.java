package dev.tether.relay.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LimitsTest {
  @Test
  void everyLimitHasASensibleDefault() {
    Limits limits = RelayConfig.defaults().limits();

    assertThat(limits.sessionsPerUser()).isEqualTo(10);
    assertThat(limits.sessionsPerInstance()).isEqualTo(20);
    assertThat(limits.maxTargetMessageBytes()).isEqualTo(256L * 1024 * 1024);
    assertThat(limits.messagesPerSecond()).isEqualTo(200);
    assertThat(limits.messageBurst()).isEqualTo(400);
    assertThat(limits.handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(limits.pauseWarning()).isEqualTo(Duration.ofMinutes(5));
    assertThat(limits.pauseResume()).isEqualTo(Duration.ofMinutes(15));
    assertThat(limits.slowConsumerTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(limits.readOnlyEvalTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(limits.readOnlyMaxCommandBytes()).isEqualTo(1024 * 1024);
  }

  @Test
  void theLimitsObjectOfAConfigFileIsReadWithUnitsAndNever(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("relay.json");
    Files.writeString(file, "{\"limits\": {\"sessionsPerUser\": 3, \"maxTargetMessageSize\":"
        + " \"512MiB\", \"messagesPerSecond\": 50, \"handshakeTimeout\": \"5s\","
        + " \"pauseWarning\": \"2m\", \"pauseResume\": \"never\"}}");

    Limits limits = RelayConfigFile.load(file).build().limits();

    assertThat(limits.sessionsPerUser()).isEqualTo(3);
    assertThat(limits.sessionsPerInstance()).isEqualTo(20);
    assertThat(limits.maxTargetMessageBytes()).isEqualTo(512L * 1024 * 1024);
    assertThat(limits.messagesPerSecond()).isEqualTo(50);
    assertThat(limits.handshakeTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(limits.pauseWarning()).isEqualTo(Duration.ofMinutes(2));
    assertThat(limits.pauseResume()).isZero();
  }

  @Test
  void badLimitsAreRefusedWithAMessageThatSaysWhatToWrite() {
    assertThatThrownBy(() -> RelayConfigFile.parse("{\"limits\": {\"rate\": 5}}"))
        .hasMessageContaining("limits.rate").hasMessageContaining("messagesPerSecond");
    assertThatThrownBy(() -> Limits.defaults().withPause(Duration.ofMinutes(10),
        Duration.ofMinutes(5))).hasMessageContaining("pauseResume");
    assertThatThrownBy(() -> Limits.defaults().withMaxTargetMessageBytes(1000))
        .hasMessageContaining("64 KiB");
    assertThatThrownBy(() -> Limits.defaults().withSessions(100_000, 1))
        .hasMessageContaining("sessionsPerUser");
  }
}
