package dev.tether.testkit.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.protocol.DataFrame;
import dev.tether.protocol.Tunnel;
import dev.tether.protocol.TunnelMessage;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The two tunnel fixtures speak tether.v2 to each other as a shim and a relay do. */
@Timeout(30)
class FakeShimAndRelayTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void theShimIsWelcomedWithASecretAndEchoesAStreamLargerThanOneChunk() throws Exception {
    try (FakeRelay relay = FakeRelay.start();
        FakeShim shim = FakeShim.register(
            URI.create(relay.url() + Tunnel.AGENT_PATH), "agent-token", "orders", "i-1")) {
      assertThat(relay.takeAuthorization(WAIT)).isEqualTo("Bearer agent-token");
      assertThat(relay.takeHello(WAIT).instance()).isEqualTo("i-1");
      assertThat(shim.resumeSecret()).isEqualTo(relay.secretFor("i-1"));

      TunnelMessage.Opened opened = relay.open(5, FakeShim.TARGET, WAIT);
      assertThat(opened.window()).isEqualTo(Tunnel.DEFAULT_WINDOW);
      String big = "{\"id\":1,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\""
          + "y".repeat(3 * DataFrame.MAX_CHUNK) + "\"}}";
      relay.sendCdp(5, big, WAIT);
      assertThat(relay.takeReply(5, 1, WAIT)).isEqualTo(big);
      assertThat(shim.pushedBytes()).isEqualTo(big.length());
    }
  }

  @Test
  void aShimThatDoesNotEchoRecordsWhatTheRelaySentAndStillGrantsCredit() throws Exception {
    try (FakeRelay relay = FakeRelay.start();
        FakeShim shim = FakeShim.register(
            URI.create(relay.url() + Tunnel.AGENT_PATH), "t", "orders", "i-2").echo(false)) {
      relay.open(1, FakeShim.TARGET, WAIT);
      for (int i = 0; i < 3; i++) {
        relay.sendCdp(1, "{\"id\":" + i + "}", WAIT);
        assertThat(shim.takeData(WAIT)).isEqualTo("{\"id\":" + i + "}");
      }
      shim.push(1, "{\"method\":\"Runtime.consoleAPICalled\"}");
      assertThat(relay.takeCdp(1, WAIT)).isEqualTo("{\"method\":\"Runtime.consoleAPICalled\"}");
    }
  }

  @Test
  void aRogueShimThatIsNeverWelcomedSaysSoAndSeesTheRelayGoAway() throws Exception {
    try (FakeRelay relay = FakeRelay.start()) {
      relay.silent();
      FakeShim rogue = FakeShim.rogue(URI.create(relay.url() + Tunnel.AGENT_PATH), "t")
          .hello("orders", "i-3");
      assertThat(relay.takeHello(WAIT).function()).isEqualTo("orders");
      assertThat(rogue.awaitWelcome(Duration.ofMillis(100))).isFalse();
      relay.dropTunnel();
      rogue.awaitClose(WAIT);
      assertThat(rogue.isClosed()).isTrue();
      assertThat(rogue.awaitWelcome(WAIT)).as("a closed tunnel is never welcomed").isFalse();
    }
  }
}
