package dev.tether.relay.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.relay.testing.TestRelay;
import dev.tether.testkit.socket.Sockets;
import dev.tether.testkit.tunnel.FakeShim;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Only the configured console origins get CORS headers on /api/*, on answers and errors alike. */
@Timeout(60)
class CorsTest {
  private static final String CONSOLE = "https://console.example.com";
  private static final String STRANGER = "https://evil.example.net";
  private static final String OTHER_CONSOLE = "http://Console.Example.org:8080";

  @RegisterExtension
  static final TestRelay relay =
      TestRelay.perClass(config -> config.consoleOrigins(List.of(CONSOLE + ":443/", OTHER_CONSOLE)));
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
  void aPreflightFromAConsoleOriginAllowsPostingWithABearerToken() throws Exception {
    HttpResponse<String> preflight = preflight(CONSOLE);

    assertThat(preflight.statusCode()).isEqualTo(204);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue(CONSOLE);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods").orElseThrow())
        .contains("POST");
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElseThrow())
        .contains("Authorization").contains("Content-Type");
    assertThat(preflight.headers().allValues("Vary")).contains("Origin");
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Credentials")).isEmpty();
  }

  @Test
  void aConsoleOriginIsMatchedWhateverItsCaseAndDefaultPortInTheConfig() throws Exception {
    // CONSOLE is configured as https://console.example.com:443/, the other in capitals.
    assertThat(preflight(CONSOLE).headers().firstValue("Access-Control-Allow-Origin"))
        .hasValue(CONSOLE);
    assertThat(preflight("http://console.example.org:8080").headers()
        .firstValue("Access-Control-Allow-Origin")).hasValue("http://console.example.org:8080");
    assertThat(preflight("http://console.example.org").statusCode()).isEqualTo(403);
  }

  @Test
  void aPreflightFromAnyOtherOriginIsRefusedWithoutCorsHeaders() throws Exception {
    HttpResponse<String> preflight = preflight(STRANGER);

    assertThat(preflight.statusCode()).isEqualTo(403);
    assertThat(preflight.body()).contains("origin_not_allowed").contains("consoleOrigins");
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods")).isEmpty();
  }

  @Test
  void theActualRequestFromAConsoleOriginCarriesTheOrigin() throws Exception {
    HttpResponse<String> created = call("POST", "/api/sessions", CONSOLE,
        relay.userToken("alice", "orders"), "{\"function\":\"orders\"}");

    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.headers().firstValue("Access-Control-Allow-Origin")).hasValue(CONSOLE);
    assertThat(created.headers().allValues("Vary")).contains("Origin");
  }

  @Test
  void errorsCarryTheOriginTooSoTheButtonCanShowTheRelaysMessage() throws Exception {
    HttpResponse<String> refused = call("POST", "/api/sessions", CONSOLE, null, "{\"function\":\"orders\"}");

    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.headers().firstValue("Access-Control-Allow-Origin")).hasValue(CONSOLE);
  }

  @Test
  void answersToAnyOtherOriginHaveNoCorsHeadersSoBrowsersHideThem() throws Exception {
    HttpResponse<String> list = call("GET", "/api/functions", STRANGER,
        relay.userToken("alice", "orders"), null);

    assertThat(list.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    assertThat(list.headers().allValues("Vary")).contains("Origin");
  }

  @Test
  void nonApiPathsGetNoCorsHeaders() throws Exception {
    HttpResponse<String> health = call("GET", "/healthz", CONSOLE, null, null);

    assertThat(health.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }

  private static HttpResponse<String> preflight(String origin) throws Exception {
    return Sockets.CLIENT.send(HttpRequest.newBuilder(relay.relay().uri("/api/sessions"))
            .timeout(Duration.ofSeconds(10))
            .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "authorization,content-type")
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> call(
      String method, String path, String origin, String token, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(relay.relay().uri(path))
        .timeout(Duration.ofSeconds(10))
        .header("Origin", origin)
        .method(method, body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    return Sockets.CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
