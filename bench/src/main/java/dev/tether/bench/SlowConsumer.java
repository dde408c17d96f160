package dev.tether.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * B7: DevTools clients that stop reading while a 16 MB reply streams to each. Credit keeps the
 * shim from sending more than a window per stream, so the relay's memory per stalled session is
 * bounded; meanwhile a fresh session on the same tunnel must still answer.
 */
final class SlowConsumer {
  private static final String BIG = "{\"expression\":\"globalThis.s16\",\"returnByValue\":true}";

  private SlowConsumer() {}

  static void run(Bench bench, Bench.Target main) throws Exception {
    int sessions = bench.size(16, 4);
    long before = bench.relay.liveHeapBytes();
    List<Cdp> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < sessions; i++) {
        Cdp client = bench.relayed(main, true);
        stalled.add(client);
        client.call("Runtime.evaluate", BIG);
      }
      awaitStall(bench);
      long during = bench.relay.liveHeapBytes();
      long rt;
      try (Cdp fresh = bench.relayed(main)) {
        fresh.roundTrip("Runtime.evaluate", "{\"expression\":\"1\"}");
        rt = fresh.roundTrip("Runtime.evaluate", "{\"expression\":\"1\"}");
      }
      double perSessionMb = (during - before) / (double) sessions / 1048576.0;
      bench.add(new Result("B7", "slow consumer: relay heap per stalled session", "MB", null,
          null, perSessionMb, null, "≤ 16 MB per session", perSessionMb <= 16,
          String.format("%d sessions each stalled on a 16 MB reply; live heap %+.1f MB after"
              + " full GC; a fresh session's round trip meanwhile %.2f ms", sessions,
              (during - before) / 1048576.0, rt / 1e6)));
    } finally {
      stalled.forEach(Cdp::close);
    }
  }

  /** Waits until the relay stops passing bytes to DevTools: every reader is stalled. */
  private static void awaitStall(Bench bench) throws Exception {
    String sample = "tether_cdp_bytes_total{direction=\"to_devtools\"}";
    double last = -1;
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      double now = bench.relay.metric(sample);
      if (now == last) {
        return;
      }
      last = now;
      Thread.sleep(1000); // sampling a counter that settles within seconds
    }
    Bench.log("B7: bytes still flowing after 30 s; measuring anyway");
  }
}
