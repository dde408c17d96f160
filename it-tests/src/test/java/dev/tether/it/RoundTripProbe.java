package dev.tether.it;

import dev.tether.relay.policy.Limits;
import java.net.URI;
import java.util.Arrays;
import java.util.List;

/**
 * Prints the console round trip (Runtime.evaluate) of a direct CDP client and of a client
 * through the relay and shim, on the same Node process, alternating, with the debugger off and
 * on. A measurement, not a test: run it with {@code ./tether bench} or from an IDE.
 */
public final class RoundTripProbe {
  private static final int WARMUP = 300;
  private static final int ROUNDS = 1000;

  public static void main(String[] args) throws Exception {
    // A benchmark sends far more than a person does: lift the per-session rate limit.
    try (TetherStack tether =
        TetherStack.start(c -> c.limits(Limits.defaults().withRate(100_000, 100_000)))) {
      TetherStack.Function orders = tether.startFunction("orders");
      String alice = tether.userToken("alice", List.of("orders"));
      URI direct = orders.inspectorWebSocketUrl();
      try (CdpClient viaInspector = CdpClient.connect(direct);
          CdpClient viaRelay = CdpClient.connect(tether.openSession(alice, "orders"))) {
        report("debugger off", viaInspector, viaRelay);
        for (CdpClient client : List.of(viaInspector, viaRelay)) {
          client.send("Runtime.enable");
          client.send("Debugger.enable");
        }
        report("debugger on ", viaInspector, viaRelay);
      }
    }
  }

  private static void report(String label, CdpClient direct, CdpClient relayed) {
    for (int i = 0; i < WARMUP; i++) {
      roundTrip(direct);
      roundTrip(relayed);
    }
    long[] d = new long[ROUNDS];
    long[] r = new long[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
      d[i] = roundTrip(direct);
      r[i] = roundTrip(relayed);
    }
    System.out.printf(
        "%s  direct p50 %6.3f ms p99 %7.3f ms | relayed p50 %6.3f ms p99 %7.3f ms | added p50 %+.3f ms%n",
        label, pct(d, 50), pct(d, 99), pct(r, 50), pct(r, 99), pct(r, 50) - pct(d, 50));
  }

  private static long roundTrip(CdpClient client) {
    long start = System.nanoTime();
    client.send("Runtime.evaluate", "expression", "6*7");
    return System.nanoTime() - start;
  }

  private static double pct(long[] nanos, int percentile) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return sorted[Math.min(sorted.length - 1, sorted.length * percentile / 100)] / 1e6;
  }
}
