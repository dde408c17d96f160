package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.relay.auth.Mode;
import dev.tether.relay.auth.Role;
import dev.tether.testkit.Poll;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.socket.Closed;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The function's life in a real container: debugged through the relay, frozen by {@code docker
 * pause}, killed without notice, and outliving a relay restart. The relay runs in this JVM; the
 * container holds only Node.js and the self-contained shim layer.
 */
@Timeout(300)
class FunctionContainerTest {
  private static final Path LAYER =
      TetherStack.ROOT.resolve("function-shim/target/tether-shim-layer.zip");
  private static final String TICK = "console.log('tick', ++globalThis.n); globalThis.n";

  private static String image;
  private TetherStack tether;
  private FunctionContainer function;
  private String instance;
  private int httpPort;
  private String alice;

  @BeforeAll
  static void buildImage() throws Exception {
    FunctionContainer.requireDocker();
    image = FunctionImage.build(LAYER);
  }

  @AfterAll
  static void removeImage() {
    if (image != null) {
      FunctionImage.remove();
    }
  }

  @BeforeEach
  void startRelayAndFunction() throws Exception {
    // A short heartbeat, so a 10 s pause is noticed and the session really has to resume.
    tether = TetherStack.start(relay -> relay.heartbeat(Duration.ofSeconds(2)));
    instance = "box-" + Long.toHexString(System.nanoTime());
    httpPort = freePort();
    long started = System.nanoTime();
    function = FunctionContainer.start(image, tether.relayUri("/agent"),
        tether.agentToken("orders"), "orders", instance, httpPort);
    Poll.until(Duration.ofSeconds(30), "the container's shim to register",
        () -> tether.relay().agents().find("orders", instance).isPresent());
    assertThat(function.logs())
        .as("the shim in the container re-arms TCP_QUICKACK (Netty's epoll library loaded)")
        .contains("quickack=true");
    long[] rss = function.residentKib();
    System.out.printf("[figures] container start to registered at the relay: %d ms;"
            + " RSS shim %d KiB, node %d KiB%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), rss[0], rss[1]);
    alice = tether.userToken("alice", List.of("orders"));
  }

  @AfterEach
  void stop() {
    if (function != null) {
      function.close();
    }
    if (tether != null) {
      tether.close();
    }
  }

  @Test
  void theContainerHasOnlyItsMemoryLimitAndNoInboundPorts() {
    assertThat(function.memoryLimit()).isEqualTo(FunctionContainer.MEMORY_BYTES);
    assertThat(function.exposesNoPorts()).isTrue();
  }

  @Test
  void aBreakpointPausesTheFunctionInTheContainerAndItsLocalsCanBeRead() throws Exception {
    int line = TetherStack.lineOf("examples/orders/handler.js", "const tax =");
    try (CdpClient devtools = CdpClient.connect(tether.openSession(alice, "orders"))) {
      devtools.send("Debugger.enable");
      devtools.send("Debugger.setBreakpointByUrl", "lineNumber", line, "urlRegex", "handler\\.js$");

      CompletableFuture<HttpResponse<String>> invocation =
          invoke("{\"customer\":\"carol\",\"items\":[{\"unitPrice\":10,\"quantity\":2}]}");
      JsonNode paused = devtools.awaitEvent("Debugger.paused", Duration.ofSeconds(30));
      JsonNode frame = paused.path("params").path("callFrames").get(0);
      assertThat(frame.path("location").path("lineNumber").asInt()).isEqualTo(line);
      JsonNode locals = devtools.send("Debugger.evaluateOnCallFrame",
          "callFrameId", frame.path("callFrameId").asText(),
          "expression", "subtotal + ':' + event.customer");
      assertThat(locals.path("result").path("value").asText()).isEqualTo("20:carol");
      assertThat(invocation).isNotDone();

      devtools.send("Debugger.resume");
      HttpResponse<String> response = invocation.get(30, TimeUnit.SECONDS);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(CdpClient.JSON.readTree(response.body()).path("total").asDouble()).isEqualTo(24.0);
    }
  }

  @Test
  void inA128MbContainerASessionPausesReadsALargeScriptAndAHeapSnapshotAndNothingIsOomKilled()
      throws Exception {
    int line = TetherStack.lineOf("examples/orders/handler.js", "const tax =");
    try (CdpClient devtools = CdpClient.connect(tether.openSession(alice, "orders"))) {
      devtools.send("Debugger.enable");
      // The function loads a large module (FunctionImage's bundle.js), as a bundle would be.
      JsonNode loaded = devtools.send("Runtime.evaluate",
          "expression", "process.mainModule.require('/var/task/bundle.js')");
      assertThat(loaded.path("result").path("value").asText()).isEqualTo("bundle");
      String big = null;
      while (big == null) {
        JsonNode parsed = devtools.awaitEvent("Debugger.scriptParsed", Duration.ofSeconds(30));
        if (parsed.path("params").path("url").asText().endsWith("bundle.js")) {
          big = parsed.path("params").path("scriptId").asText();
        }
      }
      devtools.send("HeapProfiler.collectGarbage"); // what loading it left behind
      JsonNode source = devtools.send("Debugger.getScriptSource",
          CdpClient.params("scriptId", big), Duration.ofSeconds(60));
      assertThat(source.path("scriptSource").asText().length())
          .isGreaterThan(FunctionImage.BUNDLE_BYTES);

      devtools.send("HeapProfiler.takeHeapSnapshot", CdpClient.params("reportProgress", false),
          Duration.ofSeconds(120));
      StringBuilder snapshot = new StringBuilder();
      for (JsonNode event : devtools.received()) {
        if (event.path("method").asText().equals("HeapProfiler.addHeapSnapshotChunk")) {
          snapshot.append(event.path("params").path("chunk").asText());
        }
      }
      JsonNode heap = CdpClient.JSON.readTree(snapshot.toString());
      assertThat(heap.path("snapshot").path("node_count").asLong()).isPositive();

      devtools.send("Debugger.setBreakpointByUrl", "lineNumber", line, "urlRegex", "handler\\.js$");
      CompletableFuture<HttpResponse<String>> invocation =
          invoke("{\"customer\":\"dave\",\"items\":[{\"unitPrice\":5,\"quantity\":1}]}");
      devtools.awaitEvent("Debugger.paused", Duration.ofSeconds(30));
      devtools.send("Debugger.resume");
      assertThat(invocation.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      long[] rss = function.residentKib();
      System.out.printf("[figures] 128 MB container after a %d MB script source (%d chars of"
              + " heap snapshot): RSS shim %d KiB, node %d KiB%n",
          FunctionImage.BUNDLE_BYTES >> 20, snapshot.length(), rss[0], rss[1]);
    }
    assertThat(function.oomKilled()).as("docker inspect: OOMKilled").isFalse();
    assertThat(function.running()).isTrue();
    assertThat(invoke("{\"customer\":\"erin\",\"items\":[]}").get(30, TimeUnit.SECONDS)
        .statusCode()).as("the function keeps serving").isEqualTo(200);
    assertThat(tether.relay().agents().find("orders", instance)).isPresent();
  }

  @Test
  void aTenSecondDockerPauseMidSessionLosesNothingAndTheSessionGoesOn() throws Exception {
    try (CdpClient devtools = CdpClient.connect(tether.openSession(alice, "orders"))) {
      devtools.send("Runtime.enable");
      devtools.send("Runtime.evaluate", "expression", "globalThis.n = 0");
      for (int i = 1; i <= 5; i++) {
        assertThat(tick(devtools)).isEqualTo(i);
      }

      long pausedAt = System.nanoTime();
      function.pause();
      List<CompletableFuture<JsonNode>> duringPause = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        duringPause.add(devtools.sendAsync("Runtime.evaluate", CdpClient.params("expression", TICK)));
      }
      Poll.until(Duration.ofSeconds(10), "the relay to notice the frozen tunnel",
          () -> !tether.relay().agents().find("orders", instance).map(t -> t.isOpen()).orElse(false));
      // The pause itself is what is tested: it lasts 10 s, whatever happens meanwhile.
      LockSupport.parkNanos(pausedAt + TimeUnit.SECONDS.toNanos(10) - System.nanoTime());
      assertThat(devtools.isClosed()).as("DevTools stays open through the pause").isFalse();
      long unpausedAt = System.nanoTime();
      function.unpause();

      List<Integer> values = new ArrayList<>();
      for (CompletableFuture<JsonNode> reply : duringPause) {
        values.add(reply.get(30, TimeUnit.SECONDS).path("result").path("value").asInt());
      }
      System.out.printf("[figures] all replies of the pause %d ms after unpause%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - unpausedAt));
      assertThat(values).containsExactlyElementsOf(IntStream.rangeClosed(6, 15).boxed().toList());
      assertThat(tick(devtools)).isEqualTo(16);
      assertThat(ResumeTest.ticksLogged(devtools))
          .containsExactlyElementsOf(IntStream.rangeClosed(1, 16).boxed().toList());
      assertThat(devtools.isClosed()).isFalse();
    }
  }

  @Test
  void aSixtySecondDockerPauseKeepsTheInstanceInTheFunctionWindowAndItStopsAtTheBreakpointSetBefore()
      throws Exception {
    int line = TetherStack.lineOf("examples/orders/handler.js", "const tax =");
    HttpResponse<String> created = tether.api("POST", "/api/sessions", alice,
        "{\"function\":\"orders\",\"scope\":\"function\"}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    java.net.URI url = java.net.URI.create(
        CdpClient.JSON.readTree(created.body()).path("webSocketDebuggerUrl").asText());
    try (CdpClient window = CdpClient.connect(url)) {
      window.send("Target.setDiscoverTargets", "discover", true);
      assertThat(window.awaitEvent("Target.targetCreated", Duration.ofSeconds(10))
          .path("params").path("targetInfo").path("targetId").asText()).isEqualTo(instance);
      String session = window.send("Target.attachToTarget", "targetId", instance, "flatten", true)
          .path("sessionId").asText();
      window.sendTo(session, "Debugger.enable");
      window.sendTo(session, "Debugger.setBreakpointByUrl", "lineNumber", line,
          "urlRegex", "handler\\.js$");

      long pausedAt = System.nanoTime();
      function.pause();
      Poll.until(Duration.ofSeconds(10), "the relay to notice the frozen tunnel",
          () -> !tether.relay().agents().find("orders", instance).map(t -> t.isOpen()).orElse(false));
      // The freeze itself is what is tested: it lasts 60 s, as a platform's freeze between calls.
      LockSupport.parkNanos(pausedAt + TimeUnit.SECONDS.toNanos(60) - System.nanoTime());
      assertThat(window.isClosed()).as("the window stays open through the freeze").isFalse();
      function.unpause();

      CompletableFuture<HttpResponse<String>> invocation =
          invoke("{\"customer\":\"dave\",\"items\":[{\"unitPrice\":10,\"quantity\":2}]}");
      JsonNode paused = window.awaitEvent("Debugger.paused", session, Duration.ofSeconds(30));
      JsonNode frame = paused.path("params").path("callFrames").get(0);
      assertThat(frame.path("location").path("lineNumber").asInt()).isEqualTo(line);
      assertThat(window.sendTo(session, "Debugger.evaluateOnCallFrame",
          "callFrameId", frame.path("callFrameId").asText(), "expression", "event.customer")
          .path("result").path("value").asText()).isEqualTo("dave");
      window.sendTo(session, "Debugger.resume");
      assertThat(invocation.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      assertThat(window.received()).as("the frozen instance never left the window")
          .noneMatch(m -> m.path("method").asText().equals("Target.targetDestroyed")
              || m.path("method").asText().equals("Target.detachedFromTarget"));
    }
  }

  @Test
  void killingTheContainerClosesDevToolsWithAReasonWithinTwoSeconds() throws Exception {
    TetherStack.Session session = tether.createSession(alice, "orders");
    try (CdpClient devtools = CdpClient.connect(session.webSocketDebuggerUrl())) {
      devtools.send("Runtime.evaluate", "expression", "1");

      long killedAt = System.nanoTime();
      function.kill();
      Closed closed = devtools.awaitClose(Duration.ofSeconds(2));
      System.out.printf("[figures] DevTools closed %d ms after docker kill%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));

      assertThat(closed.code()).isEqualTo(4000);
      assertThat(closed.reason()).startsWith("instance orders/" + instance + " disconnected");
      JsonNode shown = CdpClient.JSON.readTree(
          tether.api("GET", "/api/sessions/" + session.id(), alice, null).body());
      assertThat(shown.path("state").asText()).isEqualTo("ended");
      assertThat(shown.path("endReason").asText()).isEqualTo("agent_lost");
      assertThat(auditCodesOf("session=" + session.id())).contains("TSE007W");
      assertThat(auditCodesOf("type=agent.lost&function=orders")).contains("TAG002W");
    }
  }

  /** The codes of the audit events an admin finds with {@code query}, newest first. */
  private List<String> auditCodesOf(String query) throws Exception {
    assertThat(tether.relay().audit().flush(Duration.ofSeconds(10))).isTrue();
    String admin = tether.relay().tokenIssuer().userToken("carol", Role.ADMIN, List.of(),
        EnumSet.allOf(Mode.class), Duration.ofHours(1));
    HttpResponse<String> response = tether.api("GET", "/api/admin/audit?" + query, admin, null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<String> codes = new ArrayList<>();
    CdpClient.JSON.readTree(response.body()).path("events")
        .forEach(event -> codes.add(event.path("code").asText()));
    return codes;
  }

  @Test
  void afterARelayRestartTheShimIsBackWithinFiveSeconds() throws Exception {
    try (CdpClient devtools = CdpClient.connect(tether.openSession(alice, "orders"))) {
      devtools.send("Runtime.evaluate", "expression", "1");

      long restartedAt = System.nanoTime();
      tether.restartRelay();
      Closed closed = devtools.awaitClose(Duration.ofSeconds(5));
      assertThat(closed.code()).isEqualTo(1001);
      assertThat(closed.reason()).startsWith("the relay is shutting down");

      Poll.until(Duration.ofSeconds(5), "the shim to register at the restarted relay",
          () -> tether.relay().agents().find("orders", instance).isPresent());
      System.out.printf("[figures] shim back %d ms after the relay restart began%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartedAt));
    }
    try (CdpClient devtools = CdpClient.connect(tether.openSession(alice, "orders"))) {
      devtools.send("Runtime.evaluate", "expression", "globalThis.n = 41");
      assertThat(devtools.send("Runtime.evaluate", "expression", "++globalThis.n")
          .path("result").path("value").asInt()).isEqualTo(42);
    }
  }

  private CompletableFuture<HttpResponse<String>> invoke(String event) {
    return java.net.http.HttpClient.newHttpClient().sendAsync(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + httpPort + "/"))
            .timeout(Duration.ofSeconds(60))
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(event))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static int tick(CdpClient devtools) {
    return devtools.send("Runtime.evaluate", "expression", TICK).path("result").path("value").asInt();
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
