package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.testkit.Poll;
import dev.tether.testkit.cdp.CdpClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A function in a container with a small heap limit runs out of memory; the shim layer inside
 * delivers Node's fatal-error report before the container is gone, and the relay lists it within
 * 5 s of the request.
 */
@Timeout(300)
class CrashReportContainerTest {
  private static final Path LAYER =
      TetherStack.ROOT.resolve("function-shim/target/tether-shim-layer.zip");
  private static final Duration REPORTED_WITHIN = Duration.ofSeconds(5);

  private static String image;
  private TetherStack tether;
  private FunctionContainer function;

  @BeforeAll
  static void buildImage() throws Exception {
    FunctionContainer.requireDocker();
    image = FunctionImage.build(LAYER);
  }

  @AfterAll
  static void removeImage() {
    if (image != null) {
      FunctionImage.remove();
    }
  }

  @AfterEach
  void stop() {
    if (function != null) {
      function.close();
    }
    if (tether != null) {
      tether.close();
    }
  }

  @Test
  void aFatalOutOfMemoryInAContainerIsListedWithItsHeapWithinFiveSeconds() throws Exception {
    tether = TetherStack.start();
    String instance = "oom-" + Long.toHexString(System.nanoTime());
    int port = TetherStack.freePort();
    function = FunctionContainer.start(image, tether.relayUri("/agent"),
        tether.agentToken("orders"), "orders", instance,
        List.of("node", "--max-old-space-size=24", "/var/task/crash-function.js",
            String.valueOf(port)),
        // The shim as the function's parent: when a container's main process dies, the container
        // ends and takes every process with it, so a shim beside the function (the launcher's
        // default) has no time to send the report. README: Crash reports.
        Map.of("TETHER_SHIM_MODE", "wrap"));
    Poll.until(Duration.ofSeconds(30), "the container's shim to register",
        () -> tether.relay().agents().find("orders", instance).isPresent());
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest oom = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/oom"))
        .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.noBody()).build();
    Poll.until(Duration.ofSeconds(20), "the function to take the request", () -> {
      try {
        return http.send(oom, HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
      } catch (Exception e) {
        return false;
      }
    });
    long requested = System.nanoTime();

    String alice = tether.userToken("alice", List.of("orders"));
    AtomicReference<JsonNode> found = new AtomicReference<>();
    Poll.until(REPORTED_WITHIN, "the out-of-memory report to be listed", () -> {
      try {
        JsonNode list = CdpClient.JSON.readTree(
            tether.api("GET", "/api/functions/orders/reports", alice, null).body());
        found.set(list.size() > 0 ? list.get(0) : null);
      } catch (Exception e) {
        return false;
      }
      return found.get() != null;
    });
    long tookMs = (System.nanoTime() - requested) / 1_000_000;

    JsonNode report = found.get();
    assertThat(tookMs).isLessThanOrEqualTo(REPORTED_WITHIN.toMillis());
    assertThat(report.path("instance").asText()).isEqualTo(instance);
    assertThat(report.path("trigger").asText()).isEqualTo("OOMError");
    assertThat(report.path("message").asText()).contains("JavaScript heap out of memory");
    JsonNode whole = CdpClient.JSON.readTree(tether.api("GET",
        "/api/functions/orders/reports/" + report.path("id").asText(), alice, null).body());
    assertThat(whole.at("/report/javascriptHeap/memoryLimit").asLong())
        .isBetween(24L << 20, 80L << 20);
    assertThat(whole.at("/report/header/commandLine").toString())
        .contains("/var/task/crash-function.js");
    System.out.printf("[figures] out-of-memory in a container to listed report: %d ms%n", tookMs);
  }
}
