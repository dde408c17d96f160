package dev.tether.relay.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.relay.audit.AuditQuery;
import dev.tether.relay.auth.Mode;
import dev.tether.relay.auth.Role;
import dev.tether.relay.config.Limits;
import dev.tether.relay.http.Json;
import dev.tether.relay.session.Session;
import dev.tether.relay.testing.TestRelay;
import dev.tether.testkit.Poll;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.socket.Closed;
import dev.tether.testkit.socket.HandshakeRefused;
import dev.tether.testkit.tunnel.FakeShim;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code tether connect}'s local endpoint against a real relay and fake shims that echo: the
 * listing as Node's, one session per connection, the DNS-rebinding and web-page defences, and
 * the relay's refusals passed on readably.
 */
@Timeout(60)
class LocalEndpointTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  @RegisterExtension
  static final TestRelay relay =
      TestRelay.perClass(config -> config.limits(Limits.defaults().withSessions(3, 100)));
  private static final List<FakeShim> agents = new ArrayList<>();
  private final List<AutoCloseable> opened = new ArrayList<>();

  @BeforeAll
  static void startRelay() throws Exception {
    for (String[] instance : new String[][] {{"orders", "i-1"}, {"orders", "i-2"}, {"payments", "p-1"}}) {
      agents.add(FakeShim.register(relay.agentUri(), relay.agentToken(instance[0]), instance[0],
          instance[1]));
      relay.awaitInstance(instance[0], instance[1]);
    }
  }

  @AfterAll
  static void stopRelay() {
    agents.forEach(FakeShim::close);
    relay.close();
  }

  @AfterEach
  void closeWhatTheTestOpened() throws Exception {
    for (AutoCloseable closeable : opened) {
      closeable.close();
    }
    Poll.until(Duration.ofSeconds(10), "every session the test opened to end",
        () -> relay.relay().sessions().live().isEmpty());
  }

  @Test
  void theListingHasOneNodeTargetPerLiveInstanceTheTokenMayDebug() throws Exception {
    LocalEndpoint endpoint = endpoint(config(relay.userToken("alice", "orders")));

    JsonNode list = getJson(endpoint.uri("/json/list"));

    assertThat(list).hasSize(2);
    assertThat(list).extracting(t -> t.path("title").asText())
        .containsExactlyInAnyOrder("orders/i-1", "orders/i-2");
    for (JsonNode target : list) {
      String id = target.path("id").asText();
      assertThat(target.path("type").asText()).isEqualTo("node");
      assertThat(target.path("webSocketDebuggerUrl").asText())
          .isEqualTo("ws://127.0.0.1:" + endpoint.port() + "/" + id);
      assertThat(target.path("devtoolsFrontendUrl").asText())
          .startsWith("devtools://devtools/bundled/js_app.html?")
          .endsWith("ws=127.0.0.1:" + endpoint.port() + "/" + id);
      assertThat(target.has("url")).isTrue();
    }
    assertThat(getJson(endpoint.uri("/json"))).isEqualTo(list);
    assertThat(getJson(endpoint.uri("/json/version")).path("Browser").asText()).startsWith("node.js/");
    assertThat(getJson(endpoint.uri("/json/protocol")).path("domains")).isNotEmpty();
  }

  @Test
  void onlyTheNamedInstanceIsListedWithInstance() throws Exception {
    LocalEndpoint endpoint =
        endpoint(config(relay.userToken("alice", "orders")).withInstance("i-2"));

    assertThat(getJson(endpoint.uri("/json/list"))).extracting(t -> t.path("title").asText())
        .containsExactly("orders/i-2");
  }

  @Test
  void eachConnectionIsItsOwnSessionOnItsInstanceAndEndsWithIt() throws Exception {
    LocalEndpoint endpoint = endpoint(config(relay.userToken("alice", "orders")));
    JsonNode list = getJson(endpoint.uri("/json/list"));
    String url = list.get(0).path("webSocketDebuggerUrl").asText();
    String instance = list.get(0).path("title").asText().substring("orders/".length());

    CdpClient first = CdpClient.connect(url);
    CdpClient second = CdpClient.connect(url);
    first.sendText("{\"id\":1,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"'first'\"}}");
    second.sendText("{\"id\":1,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"'second'\"}}");

    assertThat(first.take(Duration.ofSeconds(10))).contains("'first'"); // the fake shim echoes
    assertThat(second.take(Duration.ofSeconds(10))).contains("'second'");
    List<Session> live = relay.relay().sessions().liveOn("orders", instance);
    assertThat(live).hasSize(2).allSatisfy(s -> assertThat(s.subject()).isEqualTo("alice"));
    assertThat(endpoint.connections()).isEqualTo(2);

    first.close();
    Poll.until(Duration.ofSeconds(10), "the first debugger's session to end",
        () -> relay.relay().sessions().liveOn("orders", instance).size() == 1);
    second.close();
    Poll.until(Duration.ofSeconds(10), "both sessions to end",
        () -> relay.relay().sessions().liveOn("orders", instance).isEmpty());
  }

  @Test
  void aSessionTheRelayEndsClosesTheDebuggerWithTheRelaysCodeAndReason() throws Exception {
    LocalEndpoint endpoint = endpoint(config(relay.userToken("alice", "orders")));
    String url = getJson(endpoint.uri("/json/list")).get(0).path("webSocketDebuggerUrl").asText();
    CdpClient debugger = CdpClient.connect(url);
    Poll.until(Duration.ofSeconds(10), "the session to be attached",
        () -> relay.relay().sessions().live().size() == 1);
    String session = relay.relay().sessions().live().get(0).id();

    HttpResponse<String> terminated = relay.call("DELETE",
        "/api/admin/sessions/" + session + "?reason=maintenance", relay.adminToken("root"), null);

    assertThat(terminated.statusCode()).isEqualTo(200);
    Closed closed = debugger.awaitClose(Duration.ofSeconds(10));
    assertThat(closed.code()).isEqualTo(4003);
    assertThat(closed.reason()).contains("maintenance");
  }

  @Test
  void aRequestForAnotherHostIsRefusedAsNodeRefusesDnsRebinding() throws Exception {
    LocalEndpoint endpoint = endpoint(config(relay.userToken("alice", "orders")));
    String id = getJson(endpoint.uri("/json/list")).get(0).path("id").asText();

    String listing = raw(endpoint.port(), "GET /json/list HTTP/1.1\r\nHost: evil.example:"
        + endpoint.port() + "\r\nConnection: close\r\n\r\n");
    String upgrade = raw(endpoint.port(), "GET /" + id + " HTTP/1.1\r\nHost: rebound.evil.example\r\n"
        + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");

    for (String response : List.of(listing, upgrade)) {
      assertThat(response).startsWith("HTTP/1.1 403").contains("\"error\":\"host_not_allowed\"")
          .contains("localhost").doesNotContain(id);
    }
    assertThat(relay.relay().sessions().live()).isEmpty();
    assertThat(raw(endpoint.port(), "GET /json/list HTTP/1.1\r\nHost: localhost:" + endpoint.port()
        + "\r\nConnection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 200").contains("ws://localhost:" + endpoint.port() + "/" + id);
    assertThat(raw(endpoint.port(), "GET /json/version HTTP/1.1\r\nHost: [::1]:" + endpoint.port()
        + "\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 200");
    assertThat(raw(endpoint.port(), "GET /json/list HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Connection: close\r\n\r\n"))
        .as("a Host without a port gets the port it reached")
        .contains("ws://127.0.0.1:" + endpoint.port() + "/" + id);
  }

  @Test
  void aWebPageOfAnotherOriginMayNotOpenASocket() throws Exception {
    LocalEndpoint endpoint = endpoint(config(relay.userToken("alice", "orders")));
    String url = getJson(endpoint.uri("/json/list")).get(0).path("webSocketDebuggerUrl").asText();

    HandshakeRefused refused = catchThrowableOfType(HandshakeRefused.class,
        () -> CdpClient.connect(url, Map.of("Origin", "https://evil.example")));

    assertThat(refused.status).isEqualTo(403);
    assertThat(Json.MAPPER.readTree(refused.body).path("error").asText()).isEqualTo("origin_not_allowed");
    assertThat(relay.relay().sessions().live()).isEmpty();
    HandshakeRefused relayPage = catchThrowableOfType(HandshakeRefused.class,
        () -> CdpClient.connect(url, Map.of("Origin", relay.relay().uri("/").toString()
            .replaceAll("/$", ""))));
    assertThat(relayPage.status).as("not even the relay's own pages").isEqualTo(403);
    assertThat(relay.relay().sessions().live()).isEmpty();
    opened.add(CdpClient.connect(url, Map.of("Origin", "devtools://devtools")));
    opened.add(CdpClient.connect(url, Map.of("Origin", "http://127.0.0.1:" + endpoint.port())));
  }

  @Test
  void aTokenTheRelayRefusesIsExplainedOnTheListing() throws Exception {
    LocalEndpoint endpoint = endpoint(config("not-a-token"));
    long failuresBefore = authFailures();

    HttpResponse<String> response = get(endpoint.uri("/json/list"));
    for (int poll = 0; poll < 4; poll++) { // chrome://inspect polls the listing every second
      assertThat(get(endpoint.uri("/json/list")).statusCode()).isEqualTo(401);
    }

    assertThat(response.statusCode()).isEqualTo(401);
    JsonNode error = Json.MAPPER.readTree(response.body());
    assertThat(error.path("error").asText()).isNotBlank();
    assertThat(error.path("message").asText()).startsWith("the relay refused:").contains("TETHER_TOKEN");
    assertThat(catchThrowableOfType(RelayRefusal.class, endpoint::liveInstances).status())
        .isEqualTo(401);
    assertThat(authFailures() - failuresBefore)
        .as("a refused token is asked about once, not once per poll").isEqualTo(1);
  }

  private static long authFailures() throws Exception {
    relay.relay().audit().flush(Duration.ofSeconds(5));
    return relay.relay().audit().store()
        .query(AuditQuery.latest(AuditQuery.MAX_LIMIT).withType("auth.failed")).records().size();
  }

  @Test
  void aModeTheTokenDoesNotGrantIsRefusedAtTheUpgradeWithTheRelaysReason() throws Exception {
    String readOnly = relay.relay().tokenIssuer().userToken("bob", Role.DEVELOPER,
        List.of("orders"), EnumSet.of(Mode.READONLY), Duration.ofHours(1));
    LocalEndpoint endpoint = endpoint(config(readOnly).withMode("full"));
    String url = getJson(endpoint.uri("/json/list")).get(0).path("webSocketDebuggerUrl").asText();

    HandshakeRefused refused = catchThrowableOfType(HandshakeRefused.class,
        () -> CdpClient.connect(url));

    assertThat(refused.status).isEqualTo(403);
    JsonNode error = Json.MAPPER.readTree(refused.body);
    assertThat(error.path("error").asText()).isEqualTo("mode_not_granted");
    assertThat(error.path("message").asText()).contains("readonly");
  }

  @Test
  void theRelaysSessionLimitReachesTheDebuggerAs429() throws Exception {
    LocalEndpoint endpoint = endpoint(config(relay.userToken("carol", "orders")));
    String url = getJson(endpoint.uri("/json/list")).get(0).path("webSocketDebuggerUrl").asText();
    for (int i = 0; i < 3; i++) {
      opened.add(CdpClient.connect(url));
    }

    HandshakeRefused refused = catchThrowableOfType(HandshakeRefused.class,
        () -> CdpClient.connect(url));

    assertThat(refused.status).isEqualTo(429);
    assertThat(Json.MAPPER.readTree(refused.body).path("message").asText())
        .startsWith("the relay refused:");
  }

  @Test
  void anInstanceThatLeftIsAnUnknownTargetAfterTheNextListing() throws Exception {
    FakeShim leaving = FakeShim.register(relay.agentUri(), relay.agentToken("orders"), "orders", "i-9");
    relay.awaitInstance("orders", "i-9");
    LocalEndpoint endpoint = endpoint(config(relay.userToken("alice", "orders")).withInstance("i-9"));
    String url = getJson(endpoint.uri("/json/list")).get(0).path("webSocketDebuggerUrl").asText();
    leaving.close();
    Poll.until(Duration.ofSeconds(10), "i-9 to leave",
        () -> relay.relay().agents().find("orders", "i-9").isEmpty());

    HandshakeRefused gone = catchThrowableOfType(HandshakeRefused.class,
        () -> CdpClient.connect(url));
    assertThat(gone.status).isEqualTo(409); // the relay: instance_not_online
    assertThat(getJson(endpoint.uri("/json/list"))).isEmpty();
    HandshakeRefused unknown = catchThrowableOfType(HandshakeRefused.class,
        () -> CdpClient.connect(url));
    assertThat(unknown.status).isEqualTo(404);
    assertThat(unknown.body).contains("/json/list");
  }

  @Test
  void thePortIsOnLoopbackOnlyAndABusyPortIsExplained() throws Exception {
    LocalEndpoint endpoint = endpoint(config(relay.userToken("alice", "orders")));

    assertThatThrownBy(() -> LocalEndpoint.start(
        config(relay.userToken("alice", "orders")).withPort(endpoint.port())))
        .hasMessageContaining("--port");
    assertThat(endpoint.uri("/").getHost()).isEqualTo("127.0.0.1");
  }

  private ConnectConfig config(String token) {
    return new ConnectConfig(relay.relay().uri("/"), "orders", null, 0, null, token, null);
  }

  private LocalEndpoint endpoint(ConnectConfig config) throws Exception {
    LocalEndpoint endpoint = LocalEndpoint.start(config);
    opened.add(0, endpoint); // closed after the clients the test opened on it
    return endpoint;
  }

  private static HttpResponse<String> get(URI uri) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode getJson(URI uri) throws Exception {
    HttpResponse<String> response = get(uri);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return Json.MAPPER.readTree(response.body());
  }

  /** One request written by hand, to send the Host header a browser would after DNS rebinding. */
  private static String raw(int port, String request) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder response = new StringBuilder();
      byte[] buffer = new byte[8192];
      int n;
      while ((n = in.read(buffer)) > 0) {
        response.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
        if (response.indexOf("\r\n\r\n") > 0 && complete(response)) {
          break;
        }
      }
      return response.toString();
    }
  }

  private static boolean complete(StringBuilder response) {
    int head = response.indexOf("\r\n\r\n");
    String headers = response.substring(0, head).toLowerCase();
    int at = headers.indexOf("content-length:");
    if (at < 0) {
      return false;
    }
    int end = headers.indexOf('\r', at);
    int length = Integer.parseInt(headers.substring(at + 15, end < 0 ? headers.length() : end).trim());
    return response.length() - head - 4 >= length;
  }
}
