package dev.tether.bench;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * B2–B4: console round trips with the debugger off and on, and pipelined throughput; each against
 * the floor as well (two bare forwarding JVMs, {@link FloorPath}), with the CPU each path costs.
 */
final class Latency {
  static final String EVAL = "{\"expression\":\"6*7\"}";

  private Latency() {}

  static void run(Bench bench, Bench.Target target) throws Exception {
    int warmup = bench.size(300, 100);
    int rounds = bench.size(2000, 300);
    int costRounds = bench.size(3000, 500);
    Map<String, Long> direct = CpuUse.of("node", target.app().pid(), "relay", bench.relay.pid(),
        "shim", target.shim().pid());
    try (FloorPath floorPath = FloorPath.start(bench.home, bench.work, target.app().inspectorUrl());
        Cdp d = bench.direct(target); Cdp r = bench.relayed(target);
        Cdp f = Cdp.connect(bench.http, floorPath.devtools())) {
      Map<String, Long> relayed = direct;
      Map<String, Long> floor = CpuUse.of("node", target.app().pid(), "jetty hop",
          floorPath.jettyPid(), "netty hop", floorPath.nettyPid());
      Samples[] off = alternate(warmup, rounds, d, r, f);
      bench.distributions.put("B2 debugger off", new Samples[] {off[0], off[1]});
      CpuUse directCpu = PathCost.roundTrips(d, costRounds, direct);
      CpuUse relayedCpu = PathCost.roundTrips(r, costRounds, relayed);
      CpuUse floorCpu = PathCost.roundTrips(f, costRounds, floor);
      String relayCalls = PathCost.syscalls(bench, r, bench.size(1000, 200),
          Map.of("relay", bench.relay.pid(), "shim", target.shim().pid()));
      String floorCalls = PathCost.syscalls(bench, f, bench.size(1000, 200),
          Map.of("jetty hop", floorPath.jettyPid(), "netty hop", floorPath.nettyPid()));
      double added = Result.ms(off[1].p50() - off[0].p50());
      bench.add(Result.latency("B2", "evaluate round trip, debugger off", off[0], off[1],
          "relayed p50 ≤ direct + 0.15 ms", added <= 0.15,
          String.format("added p50 %+.3f ms; direct %s; relayed %s; %s", added, directCpu.note(),
              relayedCpu.note(), relayCalls)));
      double floorAdded = Result.ms(off[2].p50() - off[0].p50());
      bench.add(Result.latency("B2f", "the same through the floor (two bare forwarding JVMs)",
          off[0], off[2], "report only", null,
          String.format("floor adds %+.3f ms, Tether %+.3f ms over the floor; floor %s; %s",
              floorAdded, Result.ms(off[1].p50() - off[2].p50()), floorCpu.note(), floorCalls)));

      for (Cdp client : new Cdp[] {d, r}) {
        client.send("Runtime.enable", null);
        client.send("Debugger.enable", null);
      }
      // Each direct round trip stalls ~40 ms here, so fewer rounds keep the run short.
      Samples[] on = alternate(bench.size(50, 20), bench.size(300, 60), d, r);
      bench.distributions.put("B3 debugger on", on);
      bench.add(Result.latency("B3", "evaluate round trip, debugger on", on[0], on[1],
          "relayed p50 ≤ 0.8 ms, p99 ≤ 3 ms",
          Result.ms(on[1].p50()) <= 0.8 && Result.ms(on[1].p99()) <= 3.0,
          "direct suffers the inspector's Nagle + delayed-ACK stall; the shim re-arms TCP_QUICKACK"));
      for (Cdp client : new Cdp[] {d, r}) {
        client.send("Debugger.disable", null);
        client.send("Runtime.disable", null);
      }

      int messages = bench.size(6000, 1000);
      for (int window : new int[] {1, 16, 128}) {
        Samples[] rates = {new Samples(), new Samples(), new Samples()};
        Cdp[] clients = {d, r, f};
        CpuUse[] cpu = {new CpuUse(direct), new CpuUse(relayed), new CpuUse(floor)};
        for (Cdp client : clients) {
          throughput(client, window, messages / 4); // warm-up
        }
        for (int run = 0; run < 3; run++) {
          for (int side = 0; side < clients.length; side++) {
            Cdp client = clients[side];
            rates[side].add(cpu[side].during(messages, () -> throughput(client, window, messages)));
          }
        }
        double ratio = rates[1].p50() / rates[0].p50();
        String relayedPerMessage = "";
        String floorPerMessage = "";
        if (window == 16) {
          int traced = messages / 2;
          relayedPerMessage = "; " + PathCost.syscalls(bench, traced, Map.of("relay",
              bench.relay.pid(), "shim", target.shim().pid()), () -> throughput(r, window, traced));
          floorPerMessage = "; " + PathCost.syscalls(bench, traced, Map.of("jetty hop",
              floorPath.jettyPid(), "netty hop", floorPath.nettyPid()),
              () -> throughput(f, window, traced));
        }
        bench.add(new Result("B4", "pipelined evaluate, window " + window, "msg/s",
            rates[0].p50(), null, rates[1].p50(), null,
            window == 1 ? "report only" : "≥ 0.75× of direct", window == 1 ? null : ratio >= 0.75,
            String.format("median of 3 runs of %d messages; direct %s; relayed %s%s", messages,
                cpu[0].note(), cpu[1].note(), relayedPerMessage)));
        bench.add(new Result("B4f", "the same through the floor, window " + window, "msg/s",
            rates[0].p50(), null, rates[2].p50(), null, "report only", null,
            String.format("floor %s%s", cpu[2].note(), floorPerMessage)));
      }
    }
  }

  /** Alternates one round trip on each client, in order; the samples in the same order. */
  static Samples[] alternate(int warmup, int rounds, Cdp... clients) {
    for (int i = 0; i < warmup; i++) {
      for (Cdp client : clients) {
        client.roundTrip("Runtime.evaluate", EVAL);
      }
    }
    Samples[] samples = new Samples[clients.length];
    for (int c = 0; c < clients.length; c++) {
      samples[c] = new Samples();
    }
    for (int i = 0; i < rounds; i++) {
      for (int c = 0; c < clients.length; c++) {
        samples[c].add(clients[c].roundTrip("Runtime.evaluate", EVAL));
      }
    }
    return samples;
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
