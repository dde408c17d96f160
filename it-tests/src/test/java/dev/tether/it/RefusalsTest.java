package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.socket.Closed;
import dev.tether.testkit.socket.HandshakeRefused;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every way in without the right credential is refused with a status and a readable reason. */
@Timeout(120)
class RefusalsTest {
  @RegisterExtension static final TetherStack tether = TetherStack.perClass();
  private static String alice;

  @BeforeAll
  static void startRelayAndFunction() throws Exception {
    tether.startFunction("orders");
    alice = tether.userToken("alice", List.of("orders"));
  }

  @Test
  void theApiWithoutATokenAnswers401WithAJsonReason() throws Exception {
    HttpResponse<String> functions = tether.api("GET", "/api/functions", null, null);
    HttpResponse<String> session =
        tether.api("POST", "/api/sessions", null, "{\"function\":\"orders\"}");

    assertThat(functions.statusCode()).isEqualTo(401);
    assertThat(session.statusCode()).isEqualTo(401);
    assertErrorBody(functions);
  }

  @Test
  void aTokenWithoutAGrantForTheFunctionIsRefusedWith403() throws Exception {
    String bob = tether.userToken("bob", List.of("billing-*"));

    HttpResponse<String> response =
        tether.api("POST", "/api/sessions", bob, "{\"function\":\"orders\"}");

    assertThat(response.statusCode()).isEqualTo(403);
    assertErrorBody(response);
    assertThat(response.body()).contains("orders");
  }

  @Test
  void aFunctionWithoutAGrantIsNotListed() throws Exception {
    String bob = tether.userToken("bob", List.of("billing-*"));

    HttpResponse<String> response = tether.api("GET", "/api/functions", bob, null);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(CdpClient.JSON.readTree(response.body())).isEmpty();
  }

  @Test
  void anAgentTokenIsNotAUserToken() throws Exception {
    HttpResponse<String> response =
        tether.api("GET", "/api/functions", tether.agentToken("orders"), null);

    assertThat(response.statusCode()).isEqualTo(401);
  }

  @Test
  void aMadeUpTicketIsRefusedAtTheUpgradeWithAnHttpStatus() {
    URI madeUp = tether.relayUri("/devtools/eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5In0.c2ln");

    assertThatThrownBy(() -> CdpClient.connect(madeUp))
        .isInstanceOfSatisfying(
            HandshakeRefused.class, refused -> assertThat(refused.status).isEqualTo(401));
  }

  @Test
  void anExpiredTicketIsRefusedAtTheUpgrade() throws Exception {
    URI session = tether.openSession(alice, "orders");
    URI expired = tether.expiredTicketFor(session);

    assertThatThrownBy(() -> CdpClient.connect(expired))
        .isInstanceOfSatisfying(
            HandshakeRefused.class, refused -> {
              assertThat(refused.status).isEqualTo(401);
              assertThat(refused.body).contains("expired");
            });
  }

  @Test
  void aTicketCannotOpenASecondLiveConnection() throws Exception {
    URI session = tether.openSession(alice, "orders");
    try (CdpClient first = CdpClient.connect(session)) {
      assertThat(first.send("Runtime.evaluate", "expression", "1+1").path("result").path("value").asInt())
          .isEqualTo(2);

      assertThatThrownBy(() -> CdpClient.connect(session))
          .isInstanceOfSatisfying(
              HandshakeRefused.class,
              refused -> assertThat(refused.status).isBetween(400, 499));
      assertThat(first.send("Runtime.evaluate", "expression", "2+2").path("result").path("value").asInt())
          .as("the first connection is unharmed")
          .isEqualTo(4);
    }
  }

  @Test
  void anUpgradeFromAForeignOriginIsRefusedWith403() throws Exception {
    URI session = tether.openSession(alice, "orders");

    assertThatThrownBy(() -> CdpClient.connect(session, Map.of("Origin", "https://evil.example")))
        .isInstanceOfSatisfying(
            HandshakeRefused.class, refused -> assertThat(refused.status).isEqualTo(403));
  }

  @Test
  void anEndedSessionClosesItsDevToolsWithAReason() throws Exception {
    TetherStack.Session session = tether.createSession(alice, "orders");
    try (CdpClient devtools = CdpClient.connect(session.webSocketDebuggerUrl())) {
      devtools.send("Runtime.evaluate", "expression", "1");

      HttpResponse<String> ended = tether.api("DELETE", "/api/sessions/" + session.id(), alice, null);

      assertThat(ended.statusCode()).isBetween(200, 204);
      Closed closed = devtools.awaitClose(Duration.ofSeconds(10));
      assertThat(closed.code()).isEqualTo(4001);
      assertThat(closed.reason()).isNotBlank();
    }
  }

  private static void assertErrorBody(HttpResponse<String> response) throws Exception {
    JsonNode body = CdpClient.JSON.readTree(response.body());
    assertThat(body.path("error").asText()).isNotBlank();
    assertThat(body.path("message").asText()).isNotBlank();
  }
}
