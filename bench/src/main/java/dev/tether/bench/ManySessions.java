package dev.tether.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * B10: many sessions each evaluating ten times a second on one instance while a heap snapshot of
 * another instance streams through the same relay; only round trips that overlap the snapshot
 * count. Direct does the same against the inspectors.
 */
final class ManySessions {
  private static final String EVAL = "{\"expression\":\"1\"}";

  private ManySessions() {}

  static void run(Bench bench, Bench.Target quiet, Bench.Target heap) throws Exception {
    int sessions = bench.size(100, 20);
    Samples direct = during(bench, sessions, t -> bench.direct(t), quiet, heap);
    Samples relayed = during(bench, sessions, t -> {
      try {
        return bench.relayed(t);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, quiet, heap);
    bench.add(Result.latency("B10", sessions + " sessions during a heap snapshot", direct,
        relayed, "relayed p99 ≤ 3 ms", Result.ms(relayed.p99()) <= 3.0,
        String.format("%d/%d round trips overlapped the snapshot; the sessions' instance differs"
            + " from the snapshot's (V8 cannot answer while it writes a snapshot)",
            direct.size(), relayed.size())));
  }

  private static Samples during(Bench bench, int sessions, Function<Bench.Target, Cdp> connect,
      Bench.Target quiet, Bench.Target heap) throws Exception {
    List<Cdp> clients = new ArrayList<>();
    ScheduledExecutorService ticker = Executors.newScheduledThreadPool(2);
    Samples samples = new Samples();
    try (Cdp snapshotter = connect.apply(heap)) {
      for (int i = 0; i < sessions; i++) {
        clients.add(connect.apply(quiet));
      }
      for (Cdp client : clients) { // warm up every session once
        client.send("Runtime.evaluate", EVAL);
      }
      List<long[]> trips = java.util.Collections.synchronizedList(new ArrayList<>());
      for (int i = 0; i < sessions; i++) {
        Cdp client = clients.get(i);
        ticker.scheduleAtFixedRate(() -> {
          long start = System.nanoTime();
          client.call("Runtime.evaluate", EVAL)
              .thenAccept(reply -> trips.add(new long[] {start, reply.receivedNanos()}));
        }, i * 100L / sessions, 100, TimeUnit.MILLISECONDS);
      }
      Thread.sleep(500); // let the schedule settle before the snapshot starts
      long from = System.nanoTime();
      CompletableFuture<Cdp.Message> snapshot =
          snapshotter.call("HeapProfiler.takeHeapSnapshot", "{\"reportProgress\":false}");
      long to = snapshot.orTimeout(300, TimeUnit.SECONDS).join().receivedNanos();
      Thread.sleep(1000); // the round trips that started during the snapshot finish
      synchronized (trips) {
        for (long[] trip : trips) {
          if (trip[0] >= from && trip[0] <= to) {
            samples.add(trip[1] - trip[0]);
          }
        }
      }
    } finally {
      ticker.shutdownNow();
      ticker.awaitTermination(5, TimeUnit.SECONDS);
      clients.forEach(Cdp::close);
    }
    return samples;
  }
}
