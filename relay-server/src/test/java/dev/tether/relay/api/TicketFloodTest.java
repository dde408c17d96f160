package dev.tether.relay.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.relay.config.RelayConfig;
import dev.tether.relay.http.Json;
import dev.tether.relay.testing.TestRelay;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.tunnel.FakeShim;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A user minting and burning attach tickets in a loop is slowed down; nobody else notices. */
@Timeout(60)
class TicketFloodTest {
  private static final int LIMIT = 5;

  @TempDir static Path dataDir;
  private static TestRelay relay;
  private static FakeShim orders;

  @BeforeAll
  static void start() throws Exception {
    relay = TestRelay.start(
        RelayConfig.builder().port(0).dataDir(dataDir).ticketsPerMinute(LIMIT));
    orders = FakeShim.register(relay.agentUri(), relay.agentToken("orders"), "orders", "i-1");
  }

  @AfterAll
  static void stop() {
    if (orders != null) {
      orders.close();
    }
    if (relay != null) {
      relay.close();
    }
  }

  @Test
  void mintingPastTheLimitIsA429WithRetryAfterAndAnotherUsersAttachStillWorks() throws Exception {
    String mallory = relay.userToken("mallory", "orders");
    HttpResponse<String> created =
        relay.call("POST", "/api/sessions", mallory, "{\"function\":\"orders\"}");
    assertThat(created.statusCode()).isEqualTo(201);
    String path = "/api/sessions/" + json(created).path("sessionId").asText();
    for (int i = 1; i < LIMIT; i++) {
      HttpResponse<String> shown = relay.call("GET", path, mallory, null);
      assertThat(shown.statusCode()).isEqualTo(200);
      assertThat(json(shown).path("webSocketDebuggerUrl").asText()).startsWith("ws://");
    }

    HttpResponse<String> refused = relay.call("GET", path, mallory, null);
    HttpResponse<String> refusedCreate =
        relay.call("POST", "/api/sessions", mallory, "{\"function\":\"orders\"}");

    for (HttpResponse<String> response : java.util.List.of(refused, refusedCreate)) {
      assertThat(response.statusCode()).isEqualTo(429);
      assertThat(response.headers().firstValue("Retry-After")).hasValueSatisfying(
          seconds -> assertThat(Integer.parseInt(seconds)).isBetween(1, 60));
      assertThat(json(response).path("error").asText()).isEqualTo("too_many_tickets");
      assertThat(json(response).path("message").asText()).contains("Retry-After");
    }
    assertThat(json(refused).has("webSocketDebuggerUrl")).isFalse();

    HttpResponse<String> alice = relay.call("POST", "/api/sessions",
        relay.userToken("alice", "orders"), "{\"function\":\"orders\"}");
    assertThat(alice.statusCode()).isEqualTo(201);
    try (CdpClient devtools =
        CdpClient.connect(json(alice).path("webSocketDebuggerUrl").asText())) {
      devtools.sendText("{\"id\":1,\"method\":\"Runtime.evaluate\"}");
      assertThat(devtools.take(Duration.ofSeconds(10))).contains("\"id\":1");
    }
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return Json.MAPPER.readTree(response.body());
  }
}
