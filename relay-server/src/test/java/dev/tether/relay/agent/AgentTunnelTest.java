package dev.tether.relay.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.DataFrame;
import dev.tether.protocol.Tunnel;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.config.RelayConfig;
import dev.tether.relay.http.Json;
import dev.tether.relay.testing.TestRelay;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.socket.Closed;
import dev.tether.testkit.socket.HandshakeRefused;
import dev.tether.testkit.tunnel.FakeShim;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The tunnel endpoint: who may connect, what a shim may say, and that a rogue shim hurts only itself. */
@Timeout(60)
class AgentTunnelTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir static Path dataDir;
  private static TestRelay relay;

  @BeforeAll
  static void start() throws Exception {
    relay = TestRelay.start(
        RelayConfig.builder().port(0).dataDir(dataDir).helloTimeout(Duration.ofMillis(500)));
  }

  @AfterAll
  static void stop() {
    if (relay != null) {
      relay.close();
    }
  }

  @Test
  void aShimWithoutATokenIsRefusedAtTheUpgradeWith401() {
    assertThatThrownBy(() -> FakeShim.open(relay.agentUri(), Map.of(), Tunnel.SUBPROTOCOL))
        .isInstanceOfSatisfying(HandshakeRefused.class,
            refused -> assertThat(refused.status).isEqualTo(401));
  }

  @Test
  void aUserTokenCannotOpenATunnel() {
    Map<String, String> auth = Map.of("Authorization", "Bearer " + relay.userToken("alice", "*"));

    assertThatThrownBy(() -> FakeShim.open(relay.agentUri(), auth, Tunnel.SUBPROTOCOL))
        .isInstanceOfSatisfying(HandshakeRefused.class,
            refused -> assertThat(refused.status).isEqualTo(401));
  }

  @Test
  void aShimWithoutTheSubprotocolIsRefusedWith400() {
    Map<String, String> auth = Map.of("Authorization", "Bearer " + relay.agentToken("orders"));

    assertThatThrownBy(() -> FakeShim.open(relay.agentUri(), auth, null))
        .isInstanceOfSatisfying(HandshakeRefused.class,
            refused -> assertThat(refused.status).isEqualTo(400));
  }

  @Test
  void anAgentTokenForOneFunctionCannotRegisterAnother() throws Exception {
    try (FakeShim rogue = FakeShim.connect(relay.agentUri(), relay.agentToken("billing"),
        "orders", "r-1")) {
      Closed closed = rogue.awaitClose(WAIT);

      assertThat(closed.code()).isEqualTo(CloseCodes.POLICY_VIOLATION);
      assertThat(closed.reason()).contains("'billing'").contains("'orders'");
      assertThat(relay.relay().agents().find("orders", "r-1")).isEmpty();
    }
  }

  @Test
  void aShimThatNeverSaysHelloIsClosed() throws Exception {
    Map<String, String> auth = Map.of("Authorization", "Bearer " + relay.agentToken("orders"));
    try (FakeShim silent = FakeShim.open(relay.agentUri(), auth, Tunnel.SUBPROTOCOL)) {
      Closed closed = silent.awaitClose(WAIT);

      assertThat(closed.code()).isEqualTo(CloseCodes.POLICY_VIOLATION);
      assertThat(closed.reason()).contains("hello");
    }
  }

  @Test
  void theWelcomeNamesTheInstanceAndTheHeartbeat() throws Exception {
    try (FakeShim shim = FakeShim.connect(relay.agentUri(), relay.agentToken("orders"), "orders",
        "w-1")) {
      TunnelMessage.Welcome welcome = shim.take(TunnelMessage.Welcome.class, WAIT);

      assertThat(welcome.instance()).isEqualTo("w-1");
      assertThat(welcome.heartbeatSeconds()).isEqualTo(20);
    }
  }

  @Test
  void garbageFromOneShimClosesThatShimOnlyAndOtherSessionsGoOn() throws Exception {
    try (FakeShim good = FakeShim.register(relay.agentUri(), relay.agentToken("orders"),
            "orders", "good-1");
        FakeShim rogue = FakeShim.register(relay.agentUri(), relay.agentToken("orders"),
            "orders", "rogue-1");
        CdpClient devtools = CdpClient.connect(debuggerUrl("orders", "good-1"))) {
      rogue.sendRawText("{\"type\":\"open\", \"nonsense\": [");

      Closed closed = rogue.awaitClose(WAIT);
      assertThat(closed.code()).isEqualTo(CloseCodes.PROTOCOL_ERROR);
      assertThat(closed.reason()).contains("invalid control message");
      devtools.sendText("{\"id\":1,\"method\":\"stillFine\"}");
      assertThat(devtools.take(WAIT)).contains("stillFine");
      assertThat(good.isClosed()).isFalse();
    }
  }

  @Test
  void dataForAStreamNeverOpenedClosesTheShimWith1002() throws Exception {
    try (FakeShim rogue = FakeShim.register(relay.agentUri(), relay.agentToken("orders"),
        "orders", "rogue-2")) {
      rogue.sendRawBinary(DataFrame.encode(4242, true, ByteBuffer.wrap("{}".getBytes())));

      Closed closed = rogue.awaitClose(WAIT);
      assertThat(closed.code()).isEqualTo(CloseCodes.PROTOCOL_ERROR);
      assertThat(closed.reason()).contains("unknown stream 4242");
    }
  }

  @Test
  void aReconnectingInstanceWithItsSecretReplacesItsOldTunnel() throws Exception {
    String id = "re-" + UUID.randomUUID();
    try (FakeShim old = FakeShim.register(relay.agentUri(), relay.agentToken("orders"), "orders", id);
        FakeShim fresh = FakeShim.connect(relay.agentUri(), relay.agentToken("orders"),
            new TunnelMessage.Hello("orders", id, "node", null, null, "test", false, null,
                old.resumeSecret()))) {
      Closed closed = old.awaitClose(WAIT);

      assertThat(closed.code()).isEqualTo(CloseCodes.REPLACED);
      assertThat(fresh.take(TunnelMessage.Welcome.class, WAIT).resumeSecret())
          .as("the instance keeps its secret").isEqualTo(old.resumeSecret());
      assertThat(fresh.isClosed()).isFalse();
      assertThat(relay.relay().agents().instancesOf("orders"))
          .filteredOn(t -> t.instance().orElseThrow().id().equals(id))
          .hasSize(1);
    }
  }

  private static String debuggerUrl(String function, String instance) throws Exception {
    var response = relay.call("POST", "/api/sessions", relay.userToken("alice", function),
        "{\"function\":\"" + function + "\",\"instance\":\"" + instance + "\"}");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    JsonNode body = Json.MAPPER.readTree(response.body());
    return body.path("webSocketDebuggerUrl").asText();
  }
}
