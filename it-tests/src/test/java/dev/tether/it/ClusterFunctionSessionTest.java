package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.testkit.cdp.CdpClient;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two relay processes, one Redis, a real function with one instance tethered to each node: a
 * function session on node A lists both as targets, stops at a breakpoint in the instance on
 * node B with the right locals, and sees that target destroyed when its shim stops.
 */
@Timeout(180)
class ClusterFunctionSessionTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int A = 0;
  private static final int B = 1;

  private ClusterProcesses cluster;
  private final List<AutoCloseable> closeLater = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    cluster = ClusterProcesses.start(2);
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

  @Test
  void aFunctionSessionOnOneNodeStopsAtABreakpointInAnInstanceOnTheOther() throws Exception {
    ClusterProcesses.Function here = cluster.startFunction(A, "orders");
    ClusterProcesses.Function there = cluster.startFunction(B, "orders");
    HttpResponse<String> created = cluster.api(A, "POST", "/api/sessions",
        cluster.userToken("alice"), "{\"function\":\"orders\",\"scope\":\"function\"}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    CdpClient window = CdpClient.connect(cluster.node(A).via(URI.create(
        CdpClient.JSON.readTree(created.body()).path("webSocketDebuggerUrl").asText())));
    closeLater.add(0, window);

    window.send("Target.setDiscoverTargets", "discover", true);
    Set<String> targets = new HashSet<>();
    while (targets.size() < 2) {
      targets.add(window.awaitEvent("Target.targetCreated", WAIT).path("params")
          .path("targetInfo").path("targetId").asText());
    }
    assertThat(targets).containsExactlyInAnyOrder(here.shim().instanceId(),
        there.shim().instanceId());

    String sessionId = window.send("Target.attachToTarget", "targetId",
        there.shim().instanceId(), "flatten", true).path("sessionId").asText();
    int line = TetherStack.lineOf("examples/orders/handler.js", "const tax =");
    window.sendTo(sessionId, "Debugger.enable");
    window.sendTo(sessionId, "Debugger.setBreakpointByUrl", "lineNumber", line,
        "urlRegex", "handler\\.js$");
    CompletableFuture<HttpResponse<String>> invocation =
        there.invoke("{\"customer\":\"bob\",\"items\":[{\"unitPrice\":10,\"quantity\":2}]}");
    JsonNode frame = window.awaitEvent("Debugger.paused", sessionId, WAIT)
        .path("params").path("callFrames").get(0);
    assertThat(frame.path("location").path("lineNumber").asInt()).isEqualTo(line);
    JsonNode locals = window.sendTo(sessionId, "Debugger.evaluateOnCallFrame",
        "callFrameId", frame.path("callFrameId").asText(),
        "expression", "subtotal + ':' + event.customer");
    assertThat(locals.path("result").path("value").asText()).isEqualTo("20:bob");
    window.sendTo(sessionId, "Debugger.resume");
    assertThat(invocation.get().statusCode()).isEqualTo(200);

    there.shim().close();

    assertThat(window.awaitEvent("Target.targetDestroyed", WAIT).path("params")
        .path("targetId").asText()).isEqualTo(there.shim().instanceId());
  }
}
