package dev.tether.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** B2–B4: console round trips with the debugger off and on, and pipelined throughput. */
final class Latency {
  private static final String EVAL = "{\"expression\":\"6*7\"}";

  private Latency() {}

  static void run(Bench bench, Bench.Target target) throws Exception {
    int warmup = bench.size(300, 100);
    int rounds = bench.size(2000, 300);
    try (Cdp direct = bench.direct(target); Cdp relayed = bench.relayed(target)) {
      Samples[] off = alternate(direct, relayed, warmup, rounds);
      bench.distributions.put("B2 debugger off", off);
      double added = Result.ms(off[1].p50() - off[0].p50());
      bench.add(Result.latency("B2", "evaluate round trip, debugger off", off[0], off[1],
          "relayed p50 ≤ direct + 0.15 ms", added <= 0.15,
          String.format("added p50 %+.3f ms", added)));

      for (Cdp client : new Cdp[] {direct, relayed}) {
        client.send("Runtime.enable", null);
        client.send("Debugger.enable", null);
      }
      // Each direct round trip stalls ~40 ms here, so fewer rounds keep the run short.
      Samples[] on = alternate(direct, relayed, bench.size(50, 20), bench.size(300, 60));
      bench.distributions.put("B3 debugger on", on);
      bench.add(Result.latency("B3", "evaluate round trip, debugger on", on[0], on[1],
          "relayed p50 ≤ 0.8 ms, p99 ≤ 3 ms",
          Result.ms(on[1].p50()) <= 0.8 && Result.ms(on[1].p99()) <= 3.0,
          "direct suffers the inspector's Nagle + delayed-ACK stall; the shim re-arms TCP_QUICKACK"));
      for (Cdp client : new Cdp[] {direct, relayed}) {
        client.send("Debugger.disable", null);
        client.send("Runtime.disable", null);
      }

      int messages = bench.size(6000, 1000);
      for (int window : new int[] {1, 16, 128}) {
        Samples d = new Samples();
        Samples r = new Samples();
        throughput(direct, window, messages / 4); // warm-up
        throughput(relayed, window, messages / 4);
        for (int run = 0; run < 3; run++) {
          d.add(throughput(direct, window, messages));
          r.add(throughput(relayed, window, messages));
        }
        boolean goal = window > 1; // window 1 is B2's round trip again, reported for the curve
        bench.add(new Result("B4", "pipelined evaluate, window " + window, "msg/s", d.p50(),
            null, r.p50(), null, goal ? "relayed ≥ 0.75× direct" : "report only",
            goal ? r.p50() >= 0.75 * d.p50() : null,
            String.format("median of 3 runs of %d messages", messages)));
      }
    }
  }

  /** Alternates one round trip on each client; [0] direct, [1] relayed. */
  static Samples[] alternate(Cdp direct, Cdp relayed, int warmup, int rounds) {
    for (int i = 0; i < warmup; i++) {
      direct.roundTrip("Runtime.evaluate", EVAL);
      relayed.roundTrip("Runtime.evaluate", EVAL);
    }
    Samples d = new Samples();
    Samples r = new Samples();
    for (int i = 0; i < rounds; i++) {
      d.add(direct.roundTrip("Runtime.evaluate", EVAL));
      r.add(relayed.roundTrip("Runtime.evaluate", EVAL));
    }
    return new Samples[] {d, r};
  }

  /** Messages per second with {@code window} commands in flight. */
  static long throughput(Cdp client, int window, int messages) {
    AtomicInteger sent = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    CompletableFuture<Void> finished = new CompletableFuture<>();
    long start = System.nanoTime();
    for (int i = 0; i < window; i++) {
      next(client, sent, done, messages, finished);
    }
    finished.join();
    return Math.round(messages / ((System.nanoTime() - start) / 1e9));
  }

  private static void next(Cdp client, AtomicInteger sent, AtomicInteger done, int messages,
      CompletableFuture<Void> finished) {
    if (sent.incrementAndGet() > messages) {
      return;
    }
    client.call("Runtime.evaluate", EVAL).whenComplete((reply, error) -> {
      if (error != null) {
        finished.completeExceptionally(error);
      } else if (done.incrementAndGet() == messages) {
        finished.complete(null);
      } else {
        next(client, sent, done, messages, finished);
      }
    });
  }
}
