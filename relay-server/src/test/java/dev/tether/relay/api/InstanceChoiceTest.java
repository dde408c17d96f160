package dev.tether.relay.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.relay.http.Json;
import dev.tether.relay.testing.TestRelay;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.tunnel.FakeShim;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without {@code instance} the relay takes the one live instance, never "whoever registered
 * last": with several, the caller must pick, so a rogue registration cannot receive a session.
 */
@Timeout(60)
class InstanceChoiceTest {
  @TempDir Path dataDir;
  private TestRelay relay;
  private FakeShim real;

  @BeforeEach
  void start() throws Exception {
    relay = TestRelay.start(dataDir);
    real = FakeShim.register(relay.agentUri(), relay.agentToken("orders"), "orders", "i-1");
  }

  @AfterEach
  void stop() {
    real.close();
    relay.close();
  }

  @Test
  void theOnlyLiveInstanceIsTakenWhenNoneIsNamed() throws Exception {
    HttpResponse<String> response = create("{\"function\":\"orders\"}");

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(json(response).path("instance").asText()).isEqualTo("i-1");
  }

  @Test
  void anInstanceRegisteredLastWithTheAgentTokenDoesNotReceiveTheNextSession() throws Exception {
    try (FakeShim rogue =
        FakeShim.register(relay.agentUri(), relay.agentToken("orders"), "orders", "i-rogue")) {
      HttpResponse<String> unnamed = create("{\"function\":\"orders\"}");

      assertThat(unnamed.statusCode()).isEqualTo(409);
      assertThat(json(unnamed).path("error").asText()).isEqualTo("instance_required");
      assertThat(json(unnamed).path("message").asText())
          .contains("pick one").contains("i-1").contains("i-rogue");
      assertThat(relay.relay().sessions().live()).isEmpty();

      HttpResponse<String> named = create("{\"function\":\"orders\",\"instance\":\"i-1\"}");
      assertThat(named.statusCode()).isEqualTo(201);
      assertThat(json(named).path("instance").asText()).isEqualTo("i-1");
      try (CdpClient devtools =
          CdpClient.connect(json(named).path("webSocketDebuggerUrl").asText())) {
        devtools.sendText("{\"id\":1,\"method\":\"Runtime.evaluate\"}");
        assertThat(devtools.take(Duration.ofSeconds(10))).contains("\"id\":1");
      }
    }
  }

  private HttpResponse<String> create(String body) throws Exception {
    return relay.call("POST", "/api/sessions", relay.userToken("alice", "orders"), body);
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return Json.MAPPER.readTree(response.body());
  }
}
