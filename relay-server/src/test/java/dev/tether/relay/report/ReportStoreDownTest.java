package dev.tether.relay.report;

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

/** A PostgreSQL report store that is down never stops the relay; reading reports says why not. */
@Timeout(60)
class ReportStoreDownTest {
  private static final String DEAD_DATABASE =
      "jdbc:postgresql://127.0.0.1:1/test?user=postgres&connectTimeout=2";

  @TempDir Path dataDir;

  @Test
  void theRelayStartsListsFunctionsAndAnswersReportsWith503() throws Exception {
    try (TestRelay relay = TestRelay.start(RelayConfig.builder().port(0).dataDir(dataDir)
        .audit(AuditConfig.defaults().withPostgres(DEAD_DATABASE)))) {
      String alice = relay.userToken("alice", "orders");

      assertThat(relay.call("GET", "/api/functions", alice, null).statusCode()).isEqualTo(200);
      HttpResponse<String> reports =
          relay.call("GET", "/api/functions/orders/reports", alice, null);
      assertThat(reports.statusCode()).isEqualTo(503);
      assertThat(Json.MAPPER.readTree(reports.body()).path("error").asText())
          .isEqualTo("reports_unavailable");
      assertThat(reports.body()).doesNotContain("127.0.0.1:1");
    }
  }
}
