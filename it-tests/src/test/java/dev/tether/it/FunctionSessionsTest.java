package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.testkit.cdp.CdpClient;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A function session over real shims and node: one CDP socket follows every instance, as
 * Puppeteer would drive it (flatten true). A breakpoint set once per target hits on whichever
 * instance a request lands; an instance started later is held before its first line until the
 * window has set its breakpoints; an instance that goes is destroyed and the others go on.
 */
@Timeout(180)
class FunctionSessionsTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Duration HOLD = Duration.ofSeconds(30);

  private TetherStack tether;

  @AfterEach
  void stop() {
    if (tether != null) {
      tether.close();
    }
  }

  @Test
  void oneWindowBreaksOnEveryInstanceIncludingAColdStartAndOutlivesAnInstanceThatGoes()
      throws Exception {
    tether = TetherStack.start();
    TetherStack.Function a = start(true);
    TetherStack.Function b = start(true);
    String alice = tether.userToken("alice", List.of("orders"));
    HttpResponse<String> created = tether.api("POST", "/api/sessions", alice,
        "{\"function\":\"orders\",\"scope\":\"function\"}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode session = CdpClient.JSON.readTree(created.body());
    int handlerLine = TetherStack.lineOf("examples/orders/handler.js", "const total =");
    int startLine = TetherStack.lineOf("examples/orders/server.js", "const port =");

    try (CdpClient window = CdpClient.connect(
        URI.create(session.path("webSocketDebuggerUrl").asText()))) {
      window.send("Target.setDiscoverTargets", "discover", true);
      Map<String, String> sessions = new HashMap<>();
      for (int i = 0; i < 2; i++) {
        String targetId = window.awaitEvent("Target.targetCreated", WAIT)
            .path("params").path("targetInfo").path("targetId").asText();
        sessions.put(targetId, attach(window, targetId, handlerLine, startLine));
      }
      assertThat(sessions).containsOnlyKeys(a.instanceId(), b.instanceId());

      for (TetherStack.Function instance : List.of(a, b)) {
        pausesWithItsLocals(window, instance, sessions.get(instance.instanceId()), handlerLine);
      }

      TetherStack.Function c = start(false);
      String cId = window.awaitEvent("Target.targetCreated", WAIT)
          .path("params").path("targetInfo").path("targetId").asText();
      assertThat(cId).isEqualTo(c.instanceId());
      assertThat(servesWithin(c, Duration.ofSeconds(2)))
          .as("a cold start is held while a function session is attached").isFalse();
      String onC = attach(window, cId, handlerLine, startLine);
      JsonNode initPause = window.awaitEvent("Debugger.paused", onC, WAIT);
      assertThat(line(initPause)).as("the breakpoint in its start-up code hit").isEqualTo(startLine);
      window.sendTo(onC, "Debugger.resume");
      pausesWithItsLocals(window, c, onC, handlerLine);

      a.stopShim();
      assertThat(window.awaitEvent("Target.targetDestroyed", WAIT).path("params")
          .path("targetId").asText()).isEqualTo(a.instanceId());
      pausesWithItsLocals(window, b, sessions.get(b.instanceId()), handlerLine);
      assertThat(window.isClosed()).as("the window stays open").isFalse();
    }
  }

  private TetherStack.Function start(boolean awaitServing) throws Exception {
    return tether.startFunction("orders", tether.relayUri("/agent"),
        shim -> shim.withHoldForFunctionSessions(HOLD), awaitServing);
  }

  /** Attaches flattened, sets the breakpoints, and starts the target if it waits. */
  private static String attach(CdpClient window, String targetId, int handlerLine, int startLine) {
    String sessionId = window.send("Target.attachToTarget", "targetId", targetId, "flatten", true)
        .path("sessionId").asText();
    window.sendTo(sessionId, "Debugger.enable");
    window.sendTo(sessionId, "Debugger.setBreakpointByUrl", "lineNumber", handlerLine,
        "urlRegex", "handler\\.js$");
    window.sendTo(sessionId, "Debugger.setBreakpointByUrl", "lineNumber", startLine,
        "urlRegex", "server\\.js$");
    window.sendTo(sessionId, "Runtime.runIfWaitingForDebugger");
    return sessionId;
  }

  private static void pausesWithItsLocals(
      CdpClient window, TetherStack.Function instance, String sessionId, int handlerLine)
      throws Exception {
    CompletableFuture<HttpResponse<String>> request = invokeOnceListening(instance,
        "{\"items\":[{\"unitPrice\":21,\"quantity\":2}]}");
    JsonNode paused = window.awaitEvent("Debugger.paused", sessionId, WAIT);
    assertThat(line(paused)).isEqualTo(handlerLine);
    String frame = paused.path("params").path("callFrames").get(0).path("callFrameId").asText();
    JsonNode subtotal = window.sendTo(sessionId, "Debugger.evaluateOnCallFrame",
        "callFrameId", frame, "expression", "subtotal");
    assertThat(subtotal.path("result").path("value").asInt()).isEqualTo(42);
    window.sendTo(sessionId, "Debugger.resume");
    assertThat(request.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
  }

  /**
   * Invokes, again while the connection is refused: a cold start that was just resumed from its
   * start-up breakpoint opens its port a moment later. A request that got through stays pending
   * (it waits at the breakpoint), so it is never sent twice.
   */
  private static CompletableFuture<HttpResponse<String>> invokeOnceListening(
      TetherStack.Function instance, String event) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      CompletableFuture<HttpResponse<String>> request = instance.invoke(event);
      try {
        request.get(300, TimeUnit.MILLISECONDS);
      } catch (ExecutionException refused) {
        continue; // not listening yet
      } catch (java.util.concurrent.TimeoutException pending) {
        // taken, and waiting at the breakpoint
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
      return request;
    }
    throw new AssertionError(instance.instanceId() + " did not take a request within " + WAIT);
  }

  private static int line(JsonNode paused) {
    return paused.path("params").path("callFrames").get(0).path("location").path("lineNumber")
        .asInt();
  }

  private static boolean servesWithin(TetherStack.Function function, Duration patience)
      throws InterruptedException {
    try {
      function.invoke("{}").get(patience.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      return false;
    }
  }
}
