package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.shim.Shim;
import dev.tether.shim.ShimConfig;
import dev.tether.testkit.Poll;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real node under the real shim dies, and its diagnostic report reaches the relay: listed by
 * {@code GET /api/functions/{name}/reports} within 5 s with the error and its stack. Plain
 * processes here; {@link CrashReportContainerTest} runs the out-of-memory in a container.
 */
@Timeout(120)
class CrashReportTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Path FUNCTION = TetherStack.ROOT.resolve(
      "it-tests/src/test/resources/crash/crash-function.js");
  private static final Duration REPORTED_WITHIN = Duration.ofSeconds(5);

  private final HttpClient http = HttpClient.newHttpClient();
  private TetherStack tether;
  private String alice;

  @BeforeEach
  void startRelay() throws Exception {
    tether = TetherStack.start();
    alice = tether.userToken("alice", List.of("orders"));
  }

  @AfterEach
  void stop() {
    tether.close();
  }

  @Test
  void aRequestThatThrowsAnUncaughtExceptionIsListedWithItsMessageAndStackWithinFiveSeconds()
      throws Exception {
    int port = start(List.of());
    int line = TetherStack.lineOf("it-tests/src/test/resources/crash/crash-function.js",
        "order.customer.card") + 1;

    long requested = System.nanoTime();
    request(port, "/throw");
    JsonNode report = awaitReport();
    long tookMs = (System.nanoTime() - requested) / 1_000_000;

    assertThat(tookMs).isLessThanOrEqualTo(REPORTED_WITHIN.toMillis());
    assertThat(report.path("trigger").asText()).isEqualTo("Exception");
    assertThat(report.path("message").asText())
        .startsWith("TypeError: Cannot read properties of undefined (reading 'card')");
    assertThat(report.path("stack").get(0).asText())
        .isEqualTo("at chargeCustomer (" + FUNCTION + ":" + line + ":25)");
    JsonNode whole = get("/api/functions/orders/reports/" + report.path("id").asText());
    assertThat(whole.at("/report/environmentVariables").size()).isPositive();
    whole.at("/report/environmentVariables").forEach(value ->
        assertThat(value.asText()).isEqualTo("[redacted]"));
    assertThat(whole.at("/report/resourceUsage/rss").asLong()).isPositive();
  }

  @Test
  void aFatalOutOfMemoryIsListedWithTheHeapLimitItReachedWithinFiveSeconds() throws Exception {
    int port = start(List.of("--max-old-space-size=24"));

    long requested = System.nanoTime();
    request(port, "/oom");
    JsonNode report = awaitReport();
    long tookMs = (System.nanoTime() - requested) / 1_000_000;

    assertThat(tookMs).isLessThanOrEqualTo(REPORTED_WITHIN.toMillis());
    assertThat(report.path("trigger").asText()).isEqualTo("OOMError");
    assertThat(report.path("message").asText()).contains("JavaScript heap out of memory");
    assertThat(report.path("exitCode").asInt()).as("SIGABRT").isEqualTo(134);
    JsonNode whole = get("/api/functions/orders/reports/" + report.path("id").asText());
    assertThat(whole.at("/report/javascriptHeap/memoryLimit").asLong())
        .isBetween(24L << 20, 80L << 20);
  }

  /** Starts the crash function under the shim with {@code nodeFlags}; returns its HTTP port. */
  private int start(List<String> nodeFlags) throws Exception {
    int port = TetherStack.freePort();
    List<String> command = new ArrayList<>(List.of("node"));
    command.addAll(nodeFlags);
    command.addAll(List.of(FUNCTION.toString(), String.valueOf(port)));
    Shim shim = tether.startShim(
        ShimConfig.wrap(tether.relayUri("/agent").toString(), tether.agentToken("orders"),
            "orders", command));
    Poll.until(Duration.ofSeconds(20), "the function to serve", () -> {
      try {
        return request(port, "/").statusCode() == 200;
      } catch (Exception e) {
        return false;
      }
    });
    assertThat(shim.instanceId()).isNotBlank();
    return port;
  }

  private HttpResponse<String> request(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode awaitReport() {
    AtomicReference<JsonNode> found = new AtomicReference<>();
    Poll.until(REPORTED_WITHIN.plusSeconds(1), "the crash report to be listed", () -> {
      JsonNode list = get("/api/functions/orders/reports");
      found.set(list.size() > 0 ? list.get(0) : null);
      return found.get() != null;
    });
    return found.get();
  }

  private JsonNode get(String path) {
    try {
      HttpResponse<String> response = tether.api("GET", path, alice, null);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      return MAPPER.readTree(response.body());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
