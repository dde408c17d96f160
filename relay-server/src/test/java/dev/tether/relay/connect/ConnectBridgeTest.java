package dev.tether.relay.connect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.config.Limits;
import dev.tether.relay.config.RelayConfig;
import dev.tether.relay.http.Json;
import dev.tether.relay.session.SessionState;
import dev.tether.relay.testing.TestRelay;
import dev.tether.testkit.Poll;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.socket.Closed;
import dev.tether.testkit.tunnel.FakeShim;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The bytes through a {@link Bridge}: large and multi-byte messages intact, a stalled reader bounded. */
@Timeout(60)
class ConnectBridgeTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  @TempDir Path dataDir;
  private TestRelay relay;
  private FakeShim agent;
  private LocalEndpoint endpoint;

  @BeforeEach
  void start() throws Exception {
    relay = TestRelay.start(RelayConfig.builder().port(0).dataDir(dataDir)
        .limits(Limits.defaults().withSlowConsumerTimeout(Duration.ofSeconds(2))));
    agent = FakeShim.register(relay.agentUri(), relay.agentToken("orders"), "orders", "i-1");
    relay.awaitInstance("orders", "i-1");
    endpoint = LocalEndpoint.start(new ConnectConfig(relay.relay().uri("/"), "orders", null, 0,
        null, relay.userToken("alice", "orders"), null));
  }

  @AfterEach
  void stop() {
    endpoint.close();
    agent.close();
    relay.close();
  }

  @Test
  void aThreeMegabyteMessageOfMultiByteCharactersPassesBothWaysIntact() throws Exception {
    // 64 KiB frames split "é", "€" and "😀" anywhere: both directions must join them again.
    String big = "{\"id\":1,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"'"
        + "aé€😀".repeat(300_000) + "'\"}}";
    try (CdpClient debugger = CdpClient.connect(targetUrl())) {
      debugger.sendText(big);

      assertThat(debugger.take(Duration.ofSeconds(30))).isEqualTo(big); // the fake shim echoes
      debugger.sendText("{\"id\":2,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"1\"}}");
      assertThat(debugger.take(WAIT)).contains("\"id\":2");
    }
  }

  @Test
  void theDebuggersCloseCodeAndReasonReachTheRelayAndItsSessionEnds() throws Exception {
    CdpClient debugger = CdpClient.connect(targetUrl());
    int stream = agent.take(TunnelMessage.Open.class, WAIT).stream();

    debugger.close(4321, "the person closed the window");

    TunnelMessage.Close close = agent.take(TunnelMessage.Close.class, WAIT);
    assertThat(close.stream()).isEqualTo(stream);
    assertThat(close.reason()).contains("4321"); // the relay names the code DevTools closed with
    Poll.until(WAIT, "the session to end", () -> relay.relay().sessions().live().isEmpty());
  }

  @Test
  void aDebuggerThatStopsReadingStallsTheRelayInsteadOfFillingMemoryAndLearnsWhy()
      throws Exception {
    agent.echo(false);
    CdpClient slow = CdpClient.connect(targetUrl());
    int stream = agent.take(TunnelMessage.Open.class, WAIT).stream();

    slow.stopReading();
    agent.flood(stream, 60_000);
    long plateau = Poll.until(WAIT, "the flood to stall", () -> {
      long before = agent.pushedBytes();
      watch(Duration.ofMillis(300)); // a window to see the flood stand still
      return agent.pushedBytes() == before ? before : null;
    });

    // What the function sent sits in the relay's window and the sockets' kernel buffers; the
    // bridge holds at most one part in flight, so the flood stops short.
    assertThat(plateau).isLessThan(16L * 1024 * 1024);
    Poll.until(WAIT, "the relay to give up on the stalled session", () ->
        relay.relay().sessions().live().stream().noneMatch(s -> s.state() == SessionState.ATTACHED)
            ? true : null);
    slow.resumeReading();
    Closed closed = slow.awaitClose(WAIT);
    assertThat(closed.code()).isEqualTo(CloseCodes.SLOW_CONSUMER);
    assertThat(closed.reason()).contains("did not read");
  }

  private static void watch(Duration window) {
    java.util.concurrent.locks.LockSupport.parkNanos(window.toNanos());
  }

  private String targetUrl() throws Exception {
    HttpResponse<String> list = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(endpoint.uri("/json/list")).build(),
        HttpResponse.BodyHandlers.ofString());
    return Json.MAPPER.readTree(list.body()).get(0).path("webSocketDebuggerUrl").asText();
  }
}
