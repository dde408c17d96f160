package dev.tether.it.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.it.TetherStack;
import dev.tether.relay.config.Limits;
import dev.tether.relay.session.SessionState;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.socket.Closed;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A DevTools client asks a real node for a heap snapshot and never reads the answer. The relay
 * (and shim) hold no more than the stream's credit window for it, another session on the same
 * instance keeps fast round trips, and the slow one is closed with 4008 once the deadline passes.
 */
@Timeout(180)
class SlowConsumerTest {
  private static final Duration DEADLINE = Duration.ofSeconds(8);
  private static HostileStack stack;

  @BeforeAll
  static void start() throws Exception {
    stack = HostileStack.start(c -> c.limits(Limits.defaults().withSlowConsumerTimeout(DEADLINE)));
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void aClientThatStopsReadingIsBoundedAndClosedWith4008WhileAnotherSessionFlows()
      throws Exception {
    try (CdpClient other = CdpClient.connect(stack.tether.openSession(stack.alice, "orders"))) {
      // ~40 MB of heap, so the snapshot is far larger than every buffer on the way.
      other.send("Runtime.evaluate", CdpClient.params("expression", "globalThis.ballast ="
          + " Array.from({length: 400000}, (_, i) => ({i, s: 'item-' + i})); ballast.length"),
          Duration.ofSeconds(60));
      long heapBefore = usedHeapAfterGc();
      TetherStack.Session slowSession = stack.tether.createSession(stack.alice, "orders");
      stack.secret(slowSession.webSocketDebuggerUrl().getPath().substring("/devtools/".length()));

      try (RawWebSocket slow = RawWebSocket.connect(slowSession.webSocketDebuggerUrl(), Map.of(),
          16 * 1024)) {
        slow.sendText("{\"id\":1,\"method\":\"HeapProfiler.takeHeapSnapshot\","
            + "\"params\":{\"reportProgress\":false}}");
        assertThat(slow.readFrame().text()).as("the snapshot has begun streaming")
            .contains("HeapProfiler.addHeapSnapshotChunk");
        long started = System.nanoTime();
        // While node serializes the snapshot its main thread is busy for everyone; wait that out.
        // From here on the client reads nothing.
        while (roundTrip(other) > 100) {
          assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(DEADLINE);
        }
        long slowest = 0;
        for (int i = 0; i < 20; i++) {
          slowest = Math.max(slowest, roundTrip(other));
        }
        long heapDuring = usedHeapAfterGc();

        assertThat(slowest).as("slowest round trip of the other session, ms").isLessThan(500);
        assertThat(heapDuring - heapBefore).as("heap held for the stalled snapshot, bytes")
            .isLessThan(16L << 20);
        assertThat(stack.tether.relay().sessions().find(slowSession.id()).orElseThrow().state())
            .as("not closed before its deadline").isEqualTo(SessionState.ATTACHED);

        long closedAt = System.nanoTime();
        while (stack.tether.relay().sessions().find(slowSession.id()).orElseThrow().state()
            == SessionState.ATTACHED) {
          assertThat(Duration.ofNanos(System.nanoTime() - closedAt))
              .isLessThan(DEADLINE.multipliedBy(2));
          Thread.sleep(50); // polling the relay's view of the session
        }
        Closed closed = slow.awaitClose(Duration.ofSeconds(20));
        assertThat(closed.code()).isEqualTo(4008);
        assertThat(closed.reason()).contains("did not read");
      }
      stack.assertHealthy();
      other.send("Runtime.evaluate", "expression", "delete globalThis.ballast");
    }
  }

  private static long roundTrip(CdpClient client) {
    long started = System.nanoTime();
    assertThat(client.send("Runtime.evaluate", "expression", "1+1").path("result").path("value")
        .asInt()).isEqualTo(2);
    return Duration.ofNanos(System.nanoTime() - started).toMillis();
  }

  private static long usedHeapAfterGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
