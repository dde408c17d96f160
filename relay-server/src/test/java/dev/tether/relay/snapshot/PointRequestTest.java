package dev.tether.relay.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.protocol.SnapshotRedaction;
import dev.tether.relay.config.RelayConfigFile;
import dev.tether.relay.config.SnapshotConfig;
import dev.tether.relay.http.ApiError;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PointRequestTest {
  private static final SnapshotConfig CONFIG = SnapshotConfig.defaults();
  private static final SnapshotRedaction MASKS = new SnapshotRedaction(CONFIG.redact());

  private static PointRequest read(String json) throws Exception {
    JsonNode body = new ObjectMapper().readTree(json);
    return PointRequest.read(body, CONFIG, MASKS);
  }

  private static ApiError refusal(String json) {
    return (ApiError) org.assertj.core.api.Assertions.catchThrowable(() -> read(json));
  }

  @Test
  void aPlainPointTakesItsDefaults() throws Exception {
    PointRequest request = read("{\"url\":\"handler.js\",\"line\":12}");

    assertThat(request.maxHits()).isEqualTo(10);
    assertThat(request.expiresIn()).isEqualTo(Duration.ofHours(1));
    assertThat(request.runsCode()).isFalse();
  }

  @Test
  void aLogpointDefaultsToAHundredHitsAndRunsCodeOnlyBeyondPlainPaths() throws Exception {
    assertThat(read("{\"url\":\"a.js\",\"line\":1,\"log\":\"t={total} c={event.customer}\"}"))
        .satisfies(r -> {
          assertThat(r.maxHits()).isEqualTo(100);
          assertThat(r.runsCode()).isFalse();
        });
    assertThat(read("{\"url\":\"a.js\",\"line\":1,\"log\":\"{items.length > 2}\"}").runsCode())
        .isTrue();
    assertThat(read("{\"url\":\"a.js\",\"line\":1,\"condition\":\"n > 2\"}").runsCode()).isTrue();
  }

  @Test
  void badFieldsAreRefusedWithWhatToSend() {
    assertThat(refusal("{\"line\":1}").getMessage()).contains("\"url\" is required");
    assertThat(refusal("{\"url\":\"a.js\",\"line\":0}").getMessage()).contains("\"line\"");
    assertThat(refusal("{\"url\":\"a.js\",\"line\":1.5}").getMessage()).contains("\"line\"");
    assertThat(refusal("{\"url\":\"a.js\",\"line\":1,\"maxHits\":5000}").getMessage())
        .contains("1 to 1000");
    assertThat(refusal("{\"url\":\"a.js\",\"line\":1,\"expiresIn\":\"3d\"}").getMessage())
        .contains("snapshots.maxExpiresIn");
    assertThat(refusal("{\"url\":\"a\\nb.js\",\"line\":1}").getMessage())
        .contains("control characters");
    assertThat(refusal("{\"url\":\"a.js\",\"line\":1,\"extra\":true}").getMessage())
        .contains("unknown field");
    assertThat(refusal("[1]").status()).isEqualTo(400);
  }

  @Test
  void aTemplateThatNamesAMaskedValueIsRefused() {
    ApiError refused = refusal("{\"url\":\"a.js\",\"line\":1,\"log\":\"pw={user.password}\"}");

    assertThat(refused.code()).isEqualTo("masked_in_log");
  }

  @Test
  void theConfigRefusesABudgetBeyondOneSecondPerSecond() {
    assertThatThrownBy(() -> RelayConfigFile.parse("{\"snapshots\": {\"pauseBudget\":\"2s\"}}"))
        .hasMessageContaining("1ms-1000ms");
    assertThatThrownBy(() -> RelayConfigFile.parse("{\"snapshots\": {\"colour\":1}}"))
        .hasMessageContaining("snapshots.colour");
    assertThat(SnapshotConfig.defaults().redact()).contains("password", "cookie", "key");
  }
}
