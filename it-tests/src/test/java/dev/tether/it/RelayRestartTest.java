package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.testkit.Poll;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.socket.Closed;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The relay restarts: live sessions end with a reason, and the shims come back by themselves. */
@Timeout(120)
class RelayRestartTest {
  private TetherStack tether;

  @AfterEach
  void stop() {
    if (tether != null) {
      tether.close();
    }
  }

  @Test
  void liveSessionsEndWithAReasonAndTheShimIsBackWithinFiveSeconds() throws Exception {
    tether = TetherStack.start();
    TetherStack.Function orders = tether.startFunction("orders");
    String alice = tether.userToken("alice", List.of("orders"));

    try (CdpClient devtools = CdpClient.connect(tether.openSession(alice, "orders"))) {
      devtools.send("Runtime.evaluate", "expression", "1");

      tether.restartRelay();

      Closed closed = devtools.awaitClose(Duration.ofSeconds(5));
      assertThat(closed.code()).isEqualTo(1001);
      assertThat(closed.reason()).startsWith("the relay is shutting down");
    }
    Poll.until(Duration.ofSeconds(5), "the shim to register at the restarted relay",
        () -> tether.relay().agents().find("orders", orders.instanceId()).isPresent());

    String bob = tether.userToken("bob", List.of("orders"));
    try (CdpClient devtools = CdpClient.connect(tether.openSession(bob, "orders"))) {
      assertThat(devtools.send("Runtime.evaluate", "expression", "6*7").path("result").path("value")
          .asInt()).isEqualTo(42);
    }
  }
}
