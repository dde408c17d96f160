package dev.tether.relay.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.relay.config.AuditConfig;
import dev.tether.relay.config.RelayConfig;
import dev.tether.relay.http.Json;
import dev.tether.relay.testing.TestRelay;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A relay whose audit store cannot be written refuses new sessions when told to fail closed. */
@Timeout(60)
class FailClosedTest {
  /** Nothing listens on port 1, so every connection attempt is refused at once. */
  private static final String DEAD_DATABASE =
      "jdbc:postgresql://127.0.0.1:1/test?user=postgres&connectTimeout=2";

  @TempDir Path dataDir;

  private TestRelay relayWith(boolean failClosed) throws Exception {
    return TestRelay.start(RelayConfig.builder().port(0).dataDir(dataDir)
        .audit(AuditConfig.defaults().withPostgres(DEAD_DATABASE).withFailClosed(failClosed)));
  }

  @Test
  void withFailClosedAnUnwritableTrailRefusesNewSessionsWith503AndSaysWhy() throws Exception {
    try (TestRelay relay = relayWith(true)) {
      HttpResponse<String> response = relay.call("POST", "/api/sessions",
          relay.userToken("alice", "orders"), "{\"function\":\"orders\"}");

      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(Json.MAPPER.readTree(response.body()).path("error").asText())
          .isEqualTo("audit_unavailable");
      assertThat(Json.MAPPER.readTree(response.body()).path("message").asText())
          .contains("audit trail", "fail closed");
      assertThat(relay.call("GET", "/healthz", null, null).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void withoutFailClosedTheSameRelayStillOpensSessions() throws Exception {
    try (TestRelay relay = relayWith(false)) {
      HttpResponse<String> response = relay.call("POST", "/api/sessions",
          relay.userToken("alice", "orders"), "{\"function\":\"orders\"}");

      assertThat(response.statusCode()).as("past the audit check: no instance").isEqualTo(404);
    }
  }
}
