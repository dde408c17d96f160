package dev.tether.relay.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.tether.protocol.Tunnel;
import dev.tether.relay.config.RelayConfig;
import dev.tether.relay.http.Json;
import dev.tether.relay.testing.TestRelay;
import dev.tether.testkit.Poll;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.tunnel.FakeShim;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /metrics} of a real relay with a fake shim and a real DevTools socket. */
@Timeout(60)
class MetricsEndpointTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Pattern SAMPLE =
      Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (-?[0-9.eE+-]+|\\+Inf|NaN)");

  @RegisterExtension static final TestRelay relay = TestRelay.perClass();

  @Test
  void everyLineIsPrometheusTextWithHelpAndTypeBeforeItsSamples() throws Exception {
    HttpResponse<String> response = relay.call("GET", "/metrics", null, null);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type").orElse(""))
        .startsWith("text/plain; version=0.0.4");
    String typed = "";
    for (String line : response.body().split("\n")) {
      if (line.startsWith("# HELP ")) {
        continue;
      }
      if (line.startsWith("# TYPE ")) {
        typed = line.split(" ")[2];
        assertThat(line.split(" ")[3]).isIn("counter", "gauge", "histogram");
        continue;
      }
      Matcher sample = SAMPLE.matcher(line);
      assertThat(sample.matches()).as("a sample line: %s", line).isTrue();
      assertThat(sample.group(1)).as("%s belongs to the family typed before it", line)
          .startsWith(typed);
    }
    assertThat(response.body())
        .contains("# TYPE tether_agents_connected gauge")
        .contains("# TYPE tether_relay_frame_seconds histogram")
        .contains("tether_sessions{mode=\"readonly\",state=\"attached\"} 0")
        .contains("# TYPE tether_audit_queue_depth gauge");
  }

  @Test
  void countsAgentsSessionsMessagesBytesAndTheTimeFramesSpendInTheRelay() throws Exception {
    Map<String, Double> before = scrape();
    try (FakeShim agent = FakeShim.register(relay.agentUri(), relay.agentToken("orders"),
        "orders", "i-metrics")) {
      String alice = relay.userToken("alice", "orders");
      HttpResponse<String> created = relay.call("POST", "/api/sessions", alice,
          "{\"function\":\"orders\",\"instance\":\"i-metrics\"}");
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      String url = Json.MAPPER.readTree(created.body()).path("webSocketDebuggerUrl").asText();
      try (CdpClient devtools = CdpClient.connect(url)) {
        String command = "{\"id\":1,\"method\":\"Runtime.evaluate\",\"params\":{}}";
        devtools.sendText(command);
        assertThat(devtools.take(WAIT)).isEqualTo(command); // the fake shim echoes

        // The relay counts a frame towards DevTools in its write's callback, which may run just
        // after the client already holds the echo: wait for that count, then read the rest.
        String written = "tether_relay_frame_seconds_count{direction=\"to_devtools\"}";
        Poll.until(WAIT, "the echo's write to be counted", () -> scrapeUnchecked()
            .getOrDefault(written, 0.0) - before.getOrDefault(written, 0.0) >= 1.0);
        Map<String, Double> during = scrape();
        assertThat(during.get("tether_agents_connected"))
            .isEqualTo(before.get("tether_agents_connected") + 1);
        assertThat(during.get("tether_sessions{mode=\"full\",state=\"attached\"}")).isEqualTo(1.0);
        for (String direction : new String[] {"to_target", "to_devtools"}) {
          String label = "{direction=\"" + direction + "\"}";
          assertThat(delta(before, during, "tether_cdp_messages_total" + label)).isEqualTo(1.0);
          assertThat(delta(before, during, "tether_cdp_bytes_total" + label))
              .isEqualTo(command.length());
          assertThat(delta(before, during, "tether_relay_frame_seconds_count" + label))
              .isEqualTo(1.0);
          assertThat(during.get("tether_relay_frame_seconds_bucket{direction=\"" + direction
              + "\",le=\"+Inf\"}")).isEqualTo(during.get("tether_relay_frame_seconds_count" + label));
        }
      }
    }
    Poll.until(WAIT, "the agent to be gone from the gauge",
        () -> scrapeUnchecked().get("tether_agents_connected")
            .equals(before.get("tether_agents_connected")));
  }

  @Test
  void countsRefusalsByEndpointAndReason() throws Exception {
    Map<String, Double> before = scrape();
    relay.call("GET", "/api/functions", null, null);
    catchThrowable(() -> FakeShim.open(relay.agentUri(),
        Map.of("Authorization", "Bearer not-a-token"), Tunnel.SUBPROTOCOL));
    catchThrowable(() -> CdpClient.connect(relay.relay().wsUri("/devtools/bogus").toString()));

    Map<String, Double> after = scrape();
    assertThat(after.keySet()).filteredOn(k -> k.startsWith("tether_refusals_total"))
        .anyMatch(k -> k.contains("endpoint=\"api\""))
        .anyMatch(k -> k.contains("endpoint=\"agent\""))
        .anyMatch(k -> k.contains("endpoint=\"devtools\""));
    double total = after.entrySet().stream()
        .filter(e -> e.getKey().startsWith("tether_refusals_total"))
        .mapToDouble(e -> e.getValue() - before.getOrDefault(e.getKey(), 0.0)).sum();
    assertThat(total).isEqualTo(3.0);
  }

  @Test
  void aRequestThatCameThroughAProxyIsNotTreatedAsLocal() throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(relay.relay().uri("/metrics"))
            .header("X-Forwarded-For", "203.0.113.7").build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.body()).contains("metrics_loopback_only").contains("metricsToken");
  }

  @Test
  void onlyGetIsAllowed() throws Exception {
    assertThat(relay.call("POST", "/metrics", null, "{}").statusCode()).isEqualTo(405);
  }

  @Test
  void withATokenConfiguredEveryCallerMustPresentIt(@TempDir Path otherData) throws Exception {
    String token = "0123456789abcdef0123";
    try (TestRelay guarded = TestRelay.start(
        RelayConfig.builder().port(0).dataDir(otherData).metricsToken(token))) {
      assertThat(guarded.call("GET", "/metrics", null, null).statusCode()).isEqualTo(401);
      assertThat(guarded.call("GET", "/metrics", "wrong-token-wrong-token", null).statusCode())
          .isEqualTo(401);
      HttpResponse<String> allowed = guarded.call("GET", "/metrics", token, null);
      assertThat(allowed.statusCode()).isEqualTo(200);
      assertThat(allowed.body()).contains("tether_refusals_total{endpoint=\"metrics\","
          + "reason=\"metrics_token_required\"} 2");
    }
  }

  private static double delta(Map<String, Double> before, Map<String, Double> after, String key) {
    assertThat(after).containsKey(key);
    return after.get(key) - before.getOrDefault(key, 0.0);
  }

  private static Map<String, Double> scrapeUnchecked() {
    try {
      return scrape();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Sample name with labels → value. */
  private static Map<String, Double> scrape() throws Exception {
    HttpResponse<String> response = relay.call("GET", "/metrics", null, null);
    assertThat(response.statusCode()).isEqualTo(200);
    Map<String, Double> samples = new HashMap<>();
    for (String line : response.body().split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (!line.startsWith("#") && m.matches()) {
        String labels = m.group(2) == null ? "" : m.group(2);
        samples.put(m.group(1) + labels, m.group(3).equals("+Inf")
            ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(3)));
      }
    }
    return samples;
  }
}
