package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.relay.agent.AgentTunnel;
import dev.tether.testkit.Poll;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.socket.Closed;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A tunnel that goes dead for a few seconds (a network partition, a frozen function) and comes
 * back: the DevTools socket stays open, and every CDP message arrives once, in order.
 */
@Timeout(120)
class ResumeTest {
  private static final String TICK = "console.log('tick', ++globalThis.n); globalThis.n";

  private TetherStack tether;
  private FlakyLink link;

  @AfterEach
  void stop() {
    if (link != null) {
      link.close();
    }
    if (tether != null) {
      tether.close();
    }
  }

  @Test
  void aSessionSurvivesADeadTunnelAndNoMessageIsLostOrDuplicated() throws Exception {
    tether = TetherStack.start(relay -> relay.heartbeat(Duration.ofSeconds(1)));
    link = FlakyLink.to(tether.relay().port());
    TetherStack.Function orders = tether.startFunction("orders", link.uri("/agent"));
    String alice = tether.userToken("alice", List.of("orders"));

    try (CdpClient devtools = CdpClient.connect(tether.openSession(alice, "orders"))) {
      devtools.send("Runtime.enable");
      devtools.send("Runtime.evaluate", "expression", "globalThis.n = 0");
      for (int i = 1; i <= 5; i++) {
        assertThat(tick(devtools)).isEqualTo(i);
      }

      link.freeze();
      Poll.until(Duration.ofSeconds(15), "the relay to notice the dead tunnel",
          () -> !tunnelOpen(orders));
      List<CompletableFuture<JsonNode>> duringOutage = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        duringOutage.add(devtools.sendAsync("Runtime.evaluate", CdpClient.params("expression", TICK)));
      }
      assertThat(devtools.isClosed()).as("DevTools stays connected during the outage").isFalse();
      link.thaw();

      List<Integer> values = new ArrayList<>();
      for (CompletableFuture<JsonNode> reply : duringOutage) {
        values.add(reply.get(20, java.util.concurrent.TimeUnit.SECONDS).path("result").path("value").asInt());
      }
      assertThat(values).containsExactlyElementsOf(IntStream.rangeClosed(6, 25).boxed().toList());
      for (int i = 26; i <= 30; i++) {
        assertThat(tick(devtools)).isEqualTo(i);
      }
      assertThat(ticksLogged(devtools))
          .as("every console event exactly once, in order")
          .containsExactlyElementsOf(IntStream.rangeClosed(1, 30).boxed().toList());
      assertThat(devtools.isClosed()).isFalse();
      assertThat(tunnelOpen(orders)).isTrue();
    }
  }

  @Test
  void afterTheGracePeriodDevToolsIsClosedWith4000AndTheSessionEndsAsAgentLost() throws Exception {
    tether = TetherStack.start(
        relay -> relay.heartbeat(Duration.ofSeconds(1)).resumeGrace(Duration.ofSeconds(2)));
    link = FlakyLink.to(tether.relay().port());
    TetherStack.Function orders = tether.startFunction("orders", link.uri("/agent"));
    String alice = tether.userToken("alice", List.of("orders"));
    TetherStack.Session session = tether.createSession(alice, "orders");

    try (CdpClient devtools = CdpClient.connect(session.webSocketDebuggerUrl())) {
      devtools.send("Runtime.evaluate", "expression", "1");
      link.freeze();

      Closed closed = devtools.awaitClose(Duration.ofSeconds(20));
      assertThat(closed.code()).isEqualTo(4000);
      assertThat(closed.reason())
          .isEqualTo("instance orders/" + orders.instanceId()
              + " disconnected 2s ago; start a new session when it is back");
      HttpResponse<String> shown = tether.api("GET", "/api/sessions/" + session.id(), alice, null);
      JsonNode body = CdpClient.JSON.readTree(shown.body());
      assertThat(body.path("state").asText()).isEqualTo("ended");
      assertThat(body.path("endReason").asText()).isEqualTo("agent_lost");

      link.thaw();
      assertThat(orders.shim().awaitRegistered(Duration.ofSeconds(10)))
          .as("the instance registers afresh once its path is back")
          .isTrue();
    }
  }

  private boolean tunnelOpen(TetherStack.Function function) {
    return tether.relay().agents().find("orders", function.instanceId())
        .map(AgentTunnel::isOpen).orElse(false);
  }

  private static int tick(CdpClient devtools) {
    return devtools.send("Runtime.evaluate", "expression", TICK).path("result").path("value").asInt();
  }

  static List<Integer> ticksLogged(CdpClient devtools) {
    return devtools.received().stream()
        .filter(m -> m.path("method").asText().equals("Runtime.consoleAPICalled"))
        .filter(m -> m.path("params").path("args").path(0).path("value").asText().equals("tick"))
        .map(m -> m.path("params").path("args").get(1).path("value").asInt())
        .toList();
  }
}
