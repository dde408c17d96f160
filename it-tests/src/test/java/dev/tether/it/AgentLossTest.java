package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.socket.Closed;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** When the function instance goes away, its DevTools sessions end clearly instead of hanging. */
@Timeout(120)
class AgentLossTest {
  private TetherStack tether;

  @AfterEach
  void stop() {
    if (tether != null) {
      tether.close();
    }
  }

  @Test
  void theDevToolsClientIsClosedWithAReadableReasonWhenTheAgentGoesAway() throws Exception {
    tether = TetherStack.start();
    TetherStack.Function billing = tether.startFunction("billing");
    String alice = tether.userToken("alice", List.of("billing"));

    try (CdpClient devtools = CdpClient.connect(tether.openSession(alice, "billing"))) {
      devtools.send("Runtime.evaluate", "expression", "1");

      billing.stopShim();

      Closed closed = devtools.awaitClose(Duration.ofSeconds(10));
      assertThat(closed.code()).isEqualTo(4000);
      assertThat(closed.reason()).contains("billing");
    }
  }
}
