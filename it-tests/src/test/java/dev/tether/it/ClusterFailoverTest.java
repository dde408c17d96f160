package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.shim.Shim;
import dev.tether.shim.ShimConfig;
import dev.tether.testkit.Poll;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.socket.Closed;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.RedisClient;

/**
 * Three relay processes, one Redis, real functions under real shims: DevTools on one node debugs
 * an instance tethered to another (breakpoint, locals); after {@code kill -9} of that node the
 * shim is registered on another node within 10 s and a new session works, while a session on a
 * third node never noticed; the dead node's registry entries expire.
 */
@Timeout(180)
class ClusterFailoverTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int A = 0;
  private static final int B = 1;
  private static final int C = 2;

  private ClusterProcesses cluster;
  private final List<AutoCloseable> closeLater = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    cluster = ClusterProcesses.start(3);
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable closeable : closeLater) {
      closeable.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  /** A real orders function whose shim knows {@code relays} in this order. */
  private Function function(String name, int... relays) throws Exception {
    int port = TetherStack.freePort();
    StringBuilder urls = new StringBuilder();
    for (int relay : relays) {
      urls.append(urls.length() == 0 ? "" : ",").append(cluster.node(relay).ws());
    }
    ShimConfig config = ShimConfig.wrap(urls.toString(), cluster.agentToken(name), name,
            List.of("node", TetherStack.ROOT.resolve("examples/orders/server.js").toString(),
                String.valueOf(port)))
        .withBackoff(new dev.tether.shim.tunnel.Backoff(Duration.ofMillis(100),
            Duration.ofSeconds(2)));
    Shim shim = Shim.start(config);
    closeLater.add(0, shim);
    assertThat(shim.awaitRegistered(WAIT)).isTrue();
    return new Function(shim, port);
  }

  record Function(Shim shim, int port) {
    CompletableFuture<HttpResponse<String>> invoke(String event) {
      return java.net.http.HttpClient.newHttpClient().sendAsync(
          java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
              .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
              .POST(java.net.http.HttpRequest.BodyPublishers.ofString(event)).build(),
          HttpResponse.BodyHandlers.ofString());
    }
  }

  private CdpClient attach(int node, String token, String function, String instance)
      throws Exception {
    HttpResponse<String> created = cluster.api(node, "POST", "/api/sessions", token,
        "{\"function\":\"" + function + "\",\"instance\":\"" + instance + "\"}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode session = CdpClient.JSON.readTree(created.body());
    CdpClient client = CdpClient.connect(cluster.node(node)
        .via(URI.create(session.path("webSocketDebuggerUrl").asText())));
    closeLater.add(0, client);
    return client;
  }

  @Test
  void devtoolsOnOneNodeDebugsAnInstanceOnAnotherAndAKilledNodesAgentsMoveOn() throws Exception {
    String alice = cluster.userToken("alice");
    Function orders = function("orders", B, A, C);
    Function billing = function("billing", C);
    String instance = orders.shim().instanceId();
    CdpClient onC = attach(C, alice, "billing", billing.shim().instanceId());
    assertThat(onC.send("Runtime.evaluate", "expression", "6*7").path("result").path("value")
        .asInt()).isEqualTo(42);

    // DevTools on A, the instance's tunnel on B: a breakpoint hits with the right locals.
    CdpClient devtools = attach(A, alice, "orders", instance);
    int line = TetherStack.lineOf("examples/orders/handler.js", "const tax =");
    devtools.send("Debugger.enable");
    devtools.send("Debugger.setBreakpointByUrl", "lineNumber", line, "urlRegex", "handler\\.js$");
    CompletableFuture<HttpResponse<String>> invocation =
        orders.invoke("{\"customer\":\"bob\",\"items\":[{\"unitPrice\":10,\"quantity\":2}]}");
    JsonNode frame = devtools.awaitEvent("Debugger.paused", WAIT)
        .path("params").path("callFrames").get(0);
    assertThat(frame.path("location").path("lineNumber").asInt()).isEqualTo(line);
    JsonNode locals = devtools.send("Debugger.evaluateOnCallFrame",
        "callFrameId", frame.path("callFrameId").asText(),
        "expression", "subtotal + ':' + event.customer");
    assertThat(locals.path("result").path("value").asText()).isEqualTo("20:bob");
    devtools.send("Debugger.resume");
    assertThat(invocation.get().statusCode()).isEqualTo(200);

    long killed = System.nanoTime();
    cluster.kill(B);

    Closed closed = devtools.awaitClose(WAIT);
    assertThat(closed.code()).as("DevTools peered to the dead node gets a close").isNotZero();
    Poll.until(Duration.ofSeconds(10), "a new session on the instance after kill -9 of its node",
        () -> {
          try {
            return cluster.api(A, "POST", "/api/sessions", alice, "{\"function\":\"orders\","
                + "\"instance\":\"" + instance + "\"}").statusCode() == 201;
          } catch (Exception e) {
            return false;
          }
        });
    long movedMillis = (System.nanoTime() - killed) / 1_000_000;
    System.out.println("cluster failover: re-registered and a new session opened "
        + movedMillis + " ms after kill -9");
    CdpClient again = attach(A, alice, "orders", instance);
    assertThat(again.send("Runtime.evaluate", "expression", "1+1").path("result").path("value")
        .asInt()).isEqualTo(2);
    assertThat(onC.send("Runtime.evaluate", "expression", "7*6").path("result").path("value")
        .asInt()).as("the session on node C never noticed").isEqualTo(42);
    assertThat(onC.isClosed()).isFalse();

    try (RedisClient redis = RedisClient.create("127.0.0.1", cluster.redisPort())) {
      Poll.until(Duration.ofSeconds(10), "the dead node's registry entries to expire", () ->
          redis.keys("tether:agent:*").stream().map(redis::get)
              .noneMatch(value -> value != null && value.contains("\"node\":\"relay-b\"")));
    }
  }
}
