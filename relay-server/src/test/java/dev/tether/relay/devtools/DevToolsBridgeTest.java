package dev.tether.relay.devtools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.config.RelayConfig;
import dev.tether.relay.http.Json;
import dev.tether.relay.testing.TestRelay;
import dev.tether.testkit.Poll;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.socket.Closed;
import dev.tether.testkit.socket.HandshakeRefused;
import dev.tether.testkit.tunnel.FakeShim;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** DevTools client ⇄ real relay ⇄ fake shim that echoes: routing, sizes, refusals, endings. */
@Timeout(60)
class DevToolsBridgeTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @RegisterExtension static final TestRelay relay = TestRelay.perClass();
  private FakeShim agent;
  private String instance;
  private String alice;

  @BeforeEach
  void connectAgent() throws Exception {
    instance = "i-" + UUID.randomUUID();
    agent = FakeShim.register(relay.agentUri(), relay.agentToken("orders"), "orders", instance);
    alice = relay.userToken("alice", "orders");
  }

  @AfterEach
  void dropAgent() {
    agent.close();
  }

  @Test
  void aCommandReachesTheTargetAndItsReplyComesBackUnchanged() throws Exception {
    try (CdpClient devtools = CdpClient.connect(newSession().debuggerUrl())) {
      String command = "{\"id\":1,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"1+1\"}}";

      devtools.sendText(command);

      assertThat(devtools.take(WAIT)).isEqualTo(command);
      TunnelMessage.Open open = agent.take(TunnelMessage.Open.class, WAIT);
      assertThat(open.target()).isEqualTo(FakeShim.TARGET);
    }
  }

  @Test
  void twoSessionsOnOneInstanceEachGetOnlyTheirOwnReplies() throws Exception {
    try (CdpClient first = CdpClient.connect(newSession().debuggerUrl());
        CdpClient second = CdpClient.connect(newSession().debuggerUrl())) {
      for (int i = 1; i <= 20; i++) {
        first.sendText("{\"id\":" + i + ",\"method\":\"first\"}");
        second.sendText("{\"id\":" + i + ",\"method\":\"second\"}");
      }

      for (int i = 1; i <= 20; i++) {
        assertThat(first.take(WAIT)).isEqualTo("{\"id\":" + i + ",\"method\":\"first\"}");
        assertThat(second.take(WAIT)).isEqualTo("{\"id\":" + i + ",\"method\":\"second\"}");
      }
      first.sendText("{\"id\":21,\"method\":\"first\"}");
      second.sendText("{\"id\":21,\"method\":\"second\"}");
      assertThat(first.take(WAIT)).as("nothing else came before it")
          .isEqualTo("{\"id\":21,\"method\":\"first\"}");
      assertThat(second.take(WAIT)).as("nothing else came before it")
          .isEqualTo("{\"id\":21,\"method\":\"second\"}");
    }
  }

  @Test
  void aFiveMegabyteMessagePassesBothWaysInChunks() throws Exception {
    String big = "{\"id\":7,\"method\":\"Debugger.getScriptSource\",\"params\":{\"source\":\""
        + "x".repeat(5 * 1024 * 1024) + "\"}}";
    try (CdpClient devtools = CdpClient.connect(newSession().debuggerUrl())) {
      devtools.sendText(big);

      assertThat(devtools.take(Duration.ofSeconds(30))).isEqualTo(big);
      devtools.sendText("{\"id\":8,\"method\":\"after\"}");
      assertThat(devtools.take(WAIT)).isEqualTo("{\"id\":8,\"method\":\"after\"}");
    }
  }

  @Test
  void whenTheAgentGoesAwayDevToolsIsClosedWith4000AndAReadableReason() throws Exception {
    Session session = newSession();
    try (CdpClient devtools = CdpClient.connect(session.debuggerUrl())) {
      devtools.sendText("{\"id\":1,\"method\":\"ping\"}");
      devtools.take(WAIT);

      agent.close();

      Closed closed = devtools.awaitClose(WAIT);
      assertThat(closed.code()).isEqualTo(CloseCodes.AGENT_LOST);
      assertThat(closed.reason()).startsWith("instance orders/" + instance + " disconnected")
          .endsWith("; start a new session when it is back");
      JsonNode after = session.show();
      assertThat(after.path("state").asText()).isEqualTo("ended");
      assertThat(after.path("endReason").asText()).isEqualTo("agent_lost");
    }
  }

  @Test
  void aTicketCannotOpenASecondConnection() throws Exception {
    String url = newSession().debuggerUrl();
    try (CdpClient first = CdpClient.connect(url)) {
      assertThatThrownBy(() -> CdpClient.connect(url))
          .isInstanceOfSatisfying(HandshakeRefused.class,
              refused -> assertThat(refused.status).isIn(401, 409));

      first.sendText("{\"id\":2,\"method\":\"stillHere\"}");
      assertThat(first.take(WAIT)).contains("stillHere");
    }
  }

  @Test
  @SuppressWarnings("try") // the resource only has to stay open
  void aFreshTicketForAnAttachedSessionIsRefusedWith409() throws Exception {
    Session session = newSession();
    try (CdpClient first = CdpClient.connect(session.debuggerUrl())) {
      String again = session.freshDebuggerUrlFromAdmin();

      assertThatThrownBy(() -> CdpClient.connect(again))
          .isInstanceOfSatisfying(HandshakeRefused.class,
              refused -> assertThat(refused.status).isEqualTo(409));
    }
  }

  @Test
  void aMadeUpTicketIsRefusedAtTheUpgradeWith401() {
    String url = relay.relay().wsUri("/devtools/eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJtIn0.c2ln").toString();

    assertThatThrownBy(() -> CdpClient.connect(url))
        .isInstanceOfSatisfying(HandshakeRefused.class,
            refused -> assertThat(refused.status).isEqualTo(401));
  }

  @Test
  void anUpgradeFromAForeignOriginIsRefusedWith403AndTheTicketSurvives() throws Exception {
    String url = newSession().debuggerUrl();

    assertThatThrownBy(() -> CdpClient.connect(url, Map.of("Origin", "https://evil.example")))
        .isInstanceOfSatisfying(HandshakeRefused.class,
            refused -> assertThat(refused.status).isEqualTo(403));
    try (CdpClient chrome = CdpClient.connect(url, Map.of("Origin", "devtools://devtools"))) {
      chrome.sendText("{\"id\":1,\"method\":\"hello\"}");
      assertThat(chrome.take(WAIT)).contains("hello");
    }
  }

  @Test
  void deletingTheSessionClosesDevToolsWith4001() throws Exception {
    Session session = newSession();
    try (CdpClient devtools = CdpClient.connect(session.debuggerUrl())) {
      devtools.sendText("{\"id\":1,\"method\":\"ping\"}");
      devtools.take(WAIT);

      assertThat(relay.call("DELETE", "/api/sessions/" + session.id(), alice, null).statusCode())
          .isEqualTo(200);

      Closed closed = devtools.awaitClose(WAIT);
      assertThat(closed.code()).isEqualTo(CloseCodes.SESSION_ENDED);
      assertThat(closed.reason()).contains("ended by alice");
      TunnelMessage.Close streamClose = agent.take(TunnelMessage.Close.class, WAIT);
      assertThat(streamClose.code()).isEqualTo(CloseCodes.SESSION_ENDED);
    }
  }

  @Test
  void aClosedDevToolsCanReattachWithAFreshUrl() throws Exception {
    Session session = newSession();
    try (CdpClient devtools = CdpClient.connect(session.debuggerUrl())) {
      devtools.sendText("{\"id\":1,\"method\":\"before\"}");
      devtools.take(WAIT);
    }
    agent.take(TunnelMessage.Close.class, WAIT);
    Poll.until(WAIT, "the session to be detached",
        () -> session.showUnchecked().path("state").asText().equals("detached"));

    String fresh = session.show().path("webSocketDebuggerUrl").asText();
    try (CdpClient again = CdpClient.connect(fresh)) {
      again.sendText("{\"id\":2,\"method\":\"after\"}");
      assertThat(again.take(WAIT)).contains("after");
    }
  }

  @Test
  void whenTheShimCannotOpenTheTargetDevToolsLearnsWhy() throws Exception {
    agent.answerOpens(false);
    try (CdpClient devtools = CdpClient.connect(newSession().debuggerUrl())) {
      TunnelMessage.Open open = agent.take(TunnelMessage.Open.class, WAIT);

      agent.send(new TunnelMessage.Close(open.stream(), CloseCodes.TARGET_UNAVAILABLE,
          "the inspector refused the connection"));

      Closed closed = devtools.awaitClose(WAIT);
      assertThat(closed.code()).isEqualTo(CloseCodes.TARGET_UNAVAILABLE);
      assertThat(closed.reason()).isEqualTo("the inspector refused the connection");
    }
  }

  @Test
  @SuppressWarnings("try") // the resource only has to stay open
  void aMessageOverTheConfiguredLimitClosesDevToolsWith1009(@TempDir Path otherDir)
      throws Exception {
    try (TestRelay small = TestRelay.start(
            RelayConfig.builder().port(0).dataDir(otherDir).maxMessageBytes(64 * 1024));
        FakeShim shim = FakeShim.register(small.agentUri(), small.agentToken("orders"), "orders",
            "small-1")) {
      JsonNode created = Json.MAPPER.readTree(small.call("POST", "/api/sessions",
          small.userToken("alice", "orders"), "{\"function\":\"orders\"}").body());
      try (CdpClient devtools =
          CdpClient.connect(created.path("webSocketDebuggerUrl").asText())) {
        devtools.sendText("{\"id\":1,\"method\":\"" + "y".repeat(100 * 1024) + "\"}");

        Closed closed = devtools.awaitClose(WAIT);
        assertThat(closed.code()).isEqualTo(CloseCodes.MESSAGE_TOO_BIG);
        assertThat(closed.reason()).contains("65536");
      }
    }
  }

  private Session newSession() throws Exception {
    HttpResponse<String> response = relay.call("POST", "/api/sessions", alice,
        "{\"function\":\"orders\",\"instance\":\"" + instance + "\"}");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return new Session(Json.MAPPER.readTree(response.body()));
  }

  private final class Session {
    private final JsonNode created;

    Session(JsonNode created) {
      this.created = created;
    }

    String id() {
      return created.path("sessionId").asText();
    }

    String debuggerUrl() {
      return created.path("webSocketDebuggerUrl").asText();
    }

    JsonNode show() throws Exception {
      return Json.MAPPER.readTree(relay.call("GET", "/api/sessions/" + id(), alice, null).body());
    }

    JsonNode showUnchecked() {
      try {
        return show();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    /** A ticket for the session regardless of its state, as an admin tool would mint it. */
    String freshDebuggerUrlFromAdmin() {
      String ticket = relay.relay().tokenIssuer().ticket(id(), "alice", "orders", instance,
          dev.tether.relay.auth.Mode.FULL, Duration.ofSeconds(30)).token();
      return relay.relay().wsUri("/devtools/" + ticket).toString();
    }
  }
}
