package dev.tether.relay.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.relay.http.Json;
import dev.tether.relay.testing.TestRelay;
import dev.tether.testkit.socket.Sockets;
import dev.tether.testkit.tunnel.FakeShim;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(60)
class HttpApiTest {
  @RegisterExtension static final TestRelay relay = TestRelay.perClass();
  private static FakeShim orders;

  @BeforeAll
  static void start() throws Exception {
    orders = FakeShim.register(relay.agentUri(), relay.agentToken("orders"), "orders", "i-1");
  }

  @AfterAll
  static void stop() {
    if (orders != null) {
      orders.close();
    }
  }

  @Test
  void theCommandHintsNameTheDataDirectoryOnlyToALocalCallerNotThroughAProxy() throws Exception {
    java.net.URI hints = relay.relay().uri("/api/hints");
    HttpResponse<String> local = Sockets.CLIENT.send(java.net.http.HttpRequest.newBuilder(hints)
        .build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> proxied = Sockets.CLIENT.send(java.net.http.HttpRequest.newBuilder(hints)
        .header("X-Forwarded-For", "203.0.113.9").build(), HttpResponse.BodyHandlers.ofString());

    assertThat(json(local).path("local").asBoolean()).isTrue();
    assertThat(json(local).has("dataDir")).isTrue();
    assertThat(proxied.body()).isEqualTo("{\"local\":false}");
  }

  @Test
  void healthzAnswers200() throws Exception {
    assertThat(relay.call("GET", "/healthz", null, null).statusCode()).isEqualTo(200);
  }

  @Test
  void theJwksPublishesThePublicSigningKeyOnly() throws Exception {
    HttpResponse<String> jwks = relay.call("GET", "/.well-known/jwks.json", null, null);

    assertThat(jwks.statusCode()).isEqualTo(200);
    JsonNode key = json(jwks).path("keys").path(0);
    assertThat(key.path("kid").asText()).isEqualTo(relay.relay().signingKeys().keyId());
    assertThat(key.has("d")).as("no private part").isFalse();
  }

  @Test
  void theApiWithoutATokenAnswers401WithAJsonReason() throws Exception {
    HttpResponse<String> response = relay.call("GET", "/api/functions", null, null);

    assertThat(response.statusCode()).isEqualTo(401);
    assertErrorBody(response);
  }

  @Test
  void anAgentTokenIsNotAUserToken() throws Exception {
    HttpResponse<String> response =
        relay.call("GET", "/api/functions", relay.agentToken("orders"), null);

    assertThat(response.statusCode()).isEqualTo(401);
    assertErrorBody(response);
  }

  @Test
  void functionsListsOnlyWhatTheCallerMayDebug() throws Exception {
    FakeShim billing =
        FakeShim.register(relay.agentUri(), relay.agentToken("billing"), "billing", "b-1");
    try {
      JsonNode functions =
          json(relay.call("GET", "/api/functions", relay.userToken("alice", "orders"), null));

      assertThat(functions).hasSize(1);
      assertThat(functions.path(0).path("function").asText()).isEqualTo("orders");
      JsonNode instance = functions.path(0).path("instances").path(0);
      assertThat(instance.path("id").asText()).isEqualTo("i-1");
      assertThat(instance.path("runtime").asText()).isEqualTo("node v22-fake");
      assertThat(instance.path("connectedAt").asText()).isNotBlank();
      assertThat(instance.has("sessions")).isTrue();
    } finally {
      billing.close();
    }
  }

  @Test
  void aSessionWithoutAGrantForTheFunctionIsRefusedWith403() throws Exception {
    HttpResponse<String> response = relay.call("POST", "/api/sessions",
        relay.userToken("bob", "billing-*"), "{\"function\":\"orders\"}");

    assertThat(response.statusCode()).isEqualTo(403);
    assertErrorBody(response);
    assertThat(response.body()).contains("orders");
  }

  @Test
  void aSessionForAFunctionWithoutInstancesIsRefusedWith404() throws Exception {
    HttpResponse<String> response = relay.call("POST", "/api/sessions",
        relay.userToken("alice", "*"), "{\"function\":\"payments\"}");

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(json(response).path("message").asText())
        .isEqualTo("no instance of payments is online — is the shim running?");
  }

  @Test
  void aSessionOnAnInstanceThatIsNotOnlineIsRefusedWith409() throws Exception {
    HttpResponse<String> response = relay.call("POST", "/api/sessions",
        relay.userToken("alice", "orders"), "{\"function\":\"orders\",\"instance\":\"nope\"}");

    assertThat(response.statusCode()).isEqualTo(409);
    assertErrorBody(response);
  }

  @Test
  void aBadBodyIsRefusedWith400() throws Exception {
    String alice = relay.userToken("alice", "orders");

    assertThat(relay.call("POST", "/api/sessions", alice, "not json").statusCode()).isEqualTo(400);
    assertThat(relay.call("POST", "/api/sessions", alice, "{}").statusCode()).isEqualTo(400);
    assertThat(relay.call("POST", "/api/sessions", alice,
        "{\"function\":\"orders\",\"mode\":\"god\"}").statusCode()).isEqualTo(400);
  }

  @Test
  void aNewSessionComesWithEverythingNeededToAttach() throws Exception {
    HttpResponse<String> response = relay.call("POST", "/api/sessions",
        relay.userToken("alice", "orders"), "{\"function\":\"orders\"}");

    assertThat(response.statusCode()).isEqualTo(201);
    JsonNode session = json(response);
    String ws = session.path("webSocketDebuggerUrl").asText();
    String hostPort = "127.0.0.1:" + relay.relay().port();
    assertThat(session.path("sessionId").asText()).isNotBlank();
    assertThat(session.path("function").asText()).isEqualTo("orders");
    assertThat(session.path("instance").asText()).isEqualTo("i-1");
    assertThat(session.path("mode").asText()).isEqualTo("full");
    assertThat(session.path("state").asText()).isEqualTo("requested");
    assertThat(session.path("expiresAt").asText()).isNotBlank();
    assertThat(ws).startsWith("ws://" + hostPort + "/devtools/");
    String ticket = ws.substring(ws.lastIndexOf('/') + 1);
    assertThat(session.path("chromeDevtoolsUrl").asText()).isEqualTo(
        "devtools://devtools/bundled/js_app.html?experiments=true&v8only=true&ws=" + hostPort
            + "/devtools/" + ticket);
    assertThat(session.path("devtoolsFrontendUrl").asText()).isEqualTo(
        "http://" + hostPort + "/devtools/tether_app.html?ws=" + hostPort + "/devtools/" + ticket);
    assertThat(session.path("vscode").path("type").asText()).isEqualTo("node");
    assertThat(session.path("vscode").path("request").asText()).isEqualTo("attach");
    assertThat(session.path("vscode").path("name").asText()).isEqualTo("Tether: orders");
    assertThat(session.path("vscode").path("websocketAddress").asText()).isEqualTo(ws);
  }

  @Test
  void theOwnerSeesTheSessionWithAFreshTicketAndOthersDoNot() throws Exception {
    String alice = relay.userToken("alice", "orders");
    JsonNode created = json(relay.call("POST", "/api/sessions", alice, "{\"function\":\"orders\"}"));
    String path = "/api/sessions/" + created.path("sessionId").asText();

    JsonNode shown = json(relay.call("GET", path, alice, null));
    HttpResponse<String> mallory = relay.call("GET", path, relay.userToken("mallory", "*"), null);
    HttpResponse<String> admin = relay.call("GET", path, relay.adminToken("root"), null);

    assertThat(shown.path("state").asText()).isEqualTo("requested");
    assertThat(shown.path("webSocketDebuggerUrl").asText())
        .startsWith("ws://")
        .isNotEqualTo(created.path("webSocketDebuggerUrl").asText());
    assertThat(mallory.statusCode()).isEqualTo(403);
    assertThat(admin.statusCode()).isEqualTo(200);
  }

  @Test
  void deletingASessionEndsIt() throws Exception {
    String alice = relay.userToken("alice", "orders");
    JsonNode created = json(relay.call("POST", "/api/sessions", alice, "{\"function\":\"orders\"}"));
    String path = "/api/sessions/" + created.path("sessionId").asText();

    HttpResponse<String> deleted = relay.call("DELETE", path, alice, null);
    JsonNode after = json(relay.call("GET", path, alice, null));

    assertThat(deleted.statusCode()).isEqualTo(200);
    assertThat(after.path("state").asText()).isEqualTo("ended");
    assertThat(after.path("endReason").asText()).isEqualTo("closed");
    assertThat(after.has("webSocketDebuggerUrl")).isFalse();
  }

  @Test
  void unknownPathsAnswer404AndWrongMethods405InJson() throws Exception {
    HttpResponse<String> unknown = relay.call("GET", "/nope", null, null);
    HttpResponse<String> wrongMethod = relay.call("PUT", "/api/functions", null, "{}");

    assertThat(unknown.statusCode()).isEqualTo(404);
    assertErrorBody(unknown);
    assertThat(wrongMethod.statusCode()).isEqualTo(405);
    assertThat(wrongMethod.headers().firstValue("Allow")).contains("GET");
    assertErrorBody(wrongMethod);
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return Json.MAPPER.readTree(response.body());
  }

  private static void assertErrorBody(HttpResponse<String> response) throws Exception {
    JsonNode body = json(response);
    assertThat(body.path("error").asText()).isNotBlank();
    assertThat(body.path("message").asText()).isNotBlank();
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/json"));
  }
}
