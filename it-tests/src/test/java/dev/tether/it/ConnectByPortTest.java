package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.relay.connect.ConnectConfig;
import dev.tether.relay.connect.LocalEndpoint;
import dev.tether.testkit.Poll;
import dev.tether.testkit.cdp.CdpClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Debuggers that attach by port (VS Code's js-debug, chrome://inspect, WebStorm) through
 * {@code tether connect} to the real sample function behind the real relay and shim.
 */
@Timeout(120)
class ConnectByPortTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  @RegisterExtension static final TetherStack tether = TetherStack.perClass();
  private static TetherStack.Function orders;
  private static LocalEndpoint connect;

  @BeforeAll
  static void startRelayFunctionAndConnect() throws Exception {
    orders = tether.startFunction("orders");
    String alice = tether.userToken("alice", List.of("orders*"));
    connect = LocalEndpoint.start(new ConnectConfig(tether.relay().uri("/"), "orders", null, 0,
        null, alice, null));
  }

  @AfterAll
  static void stop() {
    if (connect != null) {
      connect.close();
    }
  }

  @Test
  void aClientDiscoveringAsJsDebugDoesPausesAtABreakpointByUrlWithTheRightLocals()
      throws Exception {
    int line = TetherStack.lineOf("examples/orders/handler.js", "const tax =");
    URI socket = discoverAsJsDebug("localhost:" + connect.port());

    try (CdpClient debugger = CdpClient.connect(socket)) {
      debugger.send("Runtime.enable");
      debugger.send("Debugger.enable");
      debugger.send("Runtime.runIfWaitingForDebugger");
      JsonNode breakpoint = debugger.send("Debugger.setBreakpointByUrl",
          "lineNumber", line, "urlRegex", "[/\\\\][hH]andler\\.js($|\\?)", "columnNumber", 0);
      assertThat(breakpoint.path("locations")).as("the breakpoint resolves in the loaded script")
          .isNotEmpty();

      CompletableFuture<HttpResponse<String>> invocation =
          orders.invoke("{\"customer\":\"dora\",\"items\":[{\"unitPrice\":7,\"quantity\":3}]}");
      JsonNode paused = debugger.awaitEvent("Debugger.paused", Duration.ofSeconds(20));
      JsonNode frame = paused.path("params").path("callFrames").get(0);
      assertThat(frame.path("functionName").asText()).isEqualTo("handler");
      assertThat(frame.path("location").path("lineNumber").asInt()).isEqualTo(line);

      Map<String, JsonNode> locals = locals(debugger, frame);
      assertThat(locals.get("subtotal").path("value").asInt()).isEqualTo(21);
      assertThat(locals.get("tax").path("type").asText()).isEqualTo("undefined"); // not yet run
      assertThat(locals.get("items").path("subtype").asText()).isEqualTo("array");
      assertThat(locals.get("event").path("type").asText()).isEqualTo("object");
      assertThat(invocation).as("the invocation waits at the breakpoint").isNotDone();

      debugger.send("Debugger.resume");
      HttpResponse<String> response = invocation.get();
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(CdpClient.JSON.readTree(response.body()).path("customer").asText()).isEqualTo("dora");
    }
    Poll.until(Duration.ofSeconds(10), "the session to end with the debugger's socket",
        () -> tether.relay().sessions().live().isEmpty());
  }

  @Test
  void twoClientsAttachThroughTheLocalPortAtOnceEachWithItsOwnSession() throws Exception {
    URI socket = discoverAsJsDebug("127.0.0.1:" + connect.port());

    try (CdpClient first = CdpClient.connect(socket);
        CdpClient second = CdpClient.connect(socket)) {
      CompletableFuture<JsonNode> one =
          first.sendAsync("Runtime.evaluate", CdpClient.params("expression", "'first:' + (6*7)"));
      CompletableFuture<JsonNode> two =
          second.sendAsync("Runtime.evaluate", CdpClient.params("expression", "'second:' + (7*7)"));

      assertThat(one.get().path("result").path("value").asText()).isEqualTo("first:42");
      assertThat(two.get().path("result").path("value").asText()).isEqualTo("second:49");
      assertThat(first.received()).extracting(m -> m.path("id").asInt()).containsExactly(1);
      assertThat(second.received()).extracting(m -> m.path("id").asInt()).containsExactly(1);
      assertThat(tether.relay().sessions().liveOn("orders", orders.instanceId())).hasSize(2)
          .extracting(s -> s.subject()).containsOnly("alice");
      assertThat(connect.connections()).isEqualTo(2);

      // Both debug at once: a pause one sets is seen by both, and either may resume it.
      first.send("Debugger.enable");
      second.send("Debugger.enable");
      first.send("Debugger.setBreakpointByUrl", "lineNumber",
          TetherStack.lineOf("examples/orders/handler.js", "const total ="), "urlRegex", "handler\\.js$");
      CompletableFuture<HttpResponse<String>> invocation = orders.invoke("{}");
      first.awaitEvent("Debugger.paused", Duration.ofSeconds(20));
      second.awaitEvent("Debugger.paused", Duration.ofSeconds(20));
      second.send("Debugger.resume");
      assertThat(invocation.get().statusCode()).isEqualTo(200);
    }
    Poll.until(Duration.ofSeconds(10), "both sessions to end",
        () -> tether.relay().sessions().live().isEmpty());
  }

  /**
   * What js-debug does for {@code "request": "attach", "port": N}: reads /json/version and
   * /json/list, and takes the first target's webSocketDebuggerUrl (a browser's socket in
   * /json/version would win; Node, and so tether connect, offers none).
   */
  private static URI discoverAsJsDebug(String hostPort) throws Exception {
    CompletableFuture<HttpResponse<String>> version = HTTP.sendAsync(
        HttpRequest.newBuilder(URI.create("http://" + hostPort + "/json/version")).build(),
        HttpResponse.BodyHandlers.ofString());
    CompletableFuture<HttpResponse<String>> list = HTTP.sendAsync(
        HttpRequest.newBuilder(URI.create("http://" + hostPort + "/json/list")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(CdpClient.JSON.readTree(version.get().body()).has("webSocketDebuggerUrl")).isFalse();
    assertThat(list.get().statusCode()).as(list.get().body()).isEqualTo(200);
    JsonNode target = CdpClient.JSON.readTree(list.get().body()).get(0);
    assertThat(target.path("type").asText()).isEqualTo("node");
    assertThat(target.path("title").asText()).isEqualTo("orders/" + orders.instanceId());
    String url = target.path("webSocketDebuggerUrl").asText();
    assertThat(url).startsWith("ws://" + hostPort + "/");
    return URI.create(url);
  }

  /** The local scope's variables of a paused frame, by name. */
  private static Map<String, JsonNode> locals(CdpClient debugger, JsonNode frame) {
    JsonNode local = null;
    for (JsonNode scope : frame.path("scopeChain")) {
      if (scope.path("type").asText().equals("local")) {
        local = scope;
        break;
      }
    }
    assertThat(local).as("the frame has a local scope").isNotNull();
    JsonNode properties = debugger.send("Runtime.getProperties",
        "objectId", local.path("object").path("objectId").asText(), "ownProperties", true);
    Map<String, JsonNode> byName = new HashMap<>();
    for (JsonNode property : properties.path("result")) {
      byName.put(property.path("name").asText(), property.path("value"));
    }
    return byName;
  }
}
