package dev.tether.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.RedisClient;

/**
 * B13's extra hop on its own ({@code --only B13H}): two relay nodes as a cluster and a real app
 * tethered to node b; the console round trip with DevTools on node b against DevTools on node a;
 * with {@code -Dtether.bench.strace=true} what each node's threads ask of the kernel per round
 * trip on either path ({@link StraceTrace}); and the floor of one more hop ({@link HopFloor}).
 */
final class PeerHop {
  private static final String EVAL = "{\"expression\":\"6*7\"}";

  private PeerHop() {}

  static void run(Bench bench) throws Exception {
    if (!Files.isExecutable(Path.of("/usr/bin/redis-server"))) {
      Bench.log("B13H: skipped: redis-server is not installed (apt-get install redis-server)");
      return;
    }
    Path work = Files.createDirectories(bench.work.resolve("b13h"));
    List<AutoCloseable> running = new ArrayList<>();
    try {
      int redisPort = ClusterScale.startRedis(work, running);
      try (RedisClient redis = RedisClient.create("127.0.0.1", redisPort)) {
        ClusterScale.awaitRedis(redis);
      }
      RelayProcess[] nodes = ClusterScale.startNodes(bench, work, redisPort, 2, running);
      Cdp[] clients = ClusterScale.sameAndPeered(bench, work, nodes, running);
      try (Cdp same = clients[0]; Cdp cross = clients[1]) {
        Samples[] samples = Latency.alternate(bench.size(500, 200),
            bench.size(3000, 1000), same, cross);
        double added = Result.ms(samples[1].p50() - samples[0].p50());
        bench.add(Result.latency("B13H", "evaluate round trip, DevTools on node b vs on node a"
                + " (two nodes)", samples[0], samples[1], "cross p50 ≤ same + 0.2 ms",
            added <= 0.2, String.format("added p50 %+.3f ms", added)));
        cpu(bench, nodes, same, "on node b");
        cpu(bench, nodes, cross, "on node a");
        if (StraceTrace.enabled()) {
          count(bench, work, nodes, same, "on node b");
          count(bench, work, nodes, cross, "on node a");
        }
      }
    } finally {
      for (AutoCloseable closeable : running) {
        try {
          closeable.close();
        } catch (Exception e) {
          Bench.log("B13H: closing %s failed: %s", closeable, e);
        }
      }
    }
    HopFloor.run(bench);
  }

  /**
   * CPU time each node's threads spend per round trip on {@code client} (from the scheduler's
   * per-thread counts, so waiting for a core does not count), by kind of thread, after a warm-up
   * long enough for the JIT's second tier; the idle rate of a window before is taken off.
   */
  private static void cpu(Bench bench, RelayProcess[] nodes, Cdp client, String label)
      throws Exception {
    int rounds = bench.size(5000, 3000);
    // The JIT is still compiling the path for the first several thousand round trips.
    for (int i = 0; i < bench.size(30_000, 15_000); i++) {
      client.roundTrip("Runtime.evaluate", EVAL);
    }
    long[][] before = {Processes.cpuNanos(nodes[0].pid()), Processes.cpuNanos(nodes[1].pid())};
    long idleFrom = System.nanoTime();
    Thread.sleep(2000); // the idle window: nothing to wait for
    long idleNanos = System.nanoTime() - idleFrom;
    long[][] start = {Processes.cpuNanos(nodes[0].pid()), Processes.cpuNanos(nodes[1].pid())};
    long from = System.nanoTime();
    for (int i = 0; i < rounds; i++) {
      client.roundTrip("Runtime.evaluate", EVAL);
    }
    long elapsed = System.nanoTime() - from;
    long[][] end = {Processes.cpuNanos(nodes[0].pid()), Processes.cpuNanos(nodes[1].pid())};
    StringBuilder note = new StringBuilder();
    for (int n = 0; n < 2; n++) {
      note.append(n == 0 ? "node a" : "; node b");
      String[] kinds = {"JIT", "GC and VM", "audit writer", "the other threads"};
      for (int k = 3; k >= 0; k--) {
        double idle = (start[n][k] - before[n][k]) * ((double) elapsed / idleNanos);
        double spent = Math.max(0, end[n][k] - start[n][k] - idle);
        note.append(String.format(" %s %.1f µs", kinds[k], spent / rounds / 1000));
      }
    }
    bench.add(new Result("B13H", "CPU per round trip, DevTools " + label, "count", null, null,
        null, null, "report only", null, note + String.format(" (%d round trips after %d to"
            + " warm up; idle rate taken off)", rounds, bench.size(30_000, 15_000))));
  }

  /**
   * Round trips on {@code client} with strace on both nodes: an idle window first, whose rate is
   * taken off (timers, Redis renewals, the JIT), then the round trips; counts per round trip.
   */
  private static void count(Bench bench, Path work, RelayProcess[] nodes, Cdp client,
      String label) throws Exception {
    int rounds = bench.size(2000, 500);
    for (int i = 0; i < 200; i++) {
      client.roundTrip("Runtime.evaluate", EVAL);
    }
    String file = label.replace(' ', '-');
    long idleFrom;
    long idleTo;
    long from;
    long to;
    StraceTrace onA = StraceTrace.attach(nodes[0].pid(), work.resolve(file + "-a.strace"));
    StraceTrace onB = StraceTrace.attach(nodes[1].pid(), work.resolve(file + "-b.strace"));
    try (onA; onB) {
      idleFrom = System.currentTimeMillis();
      Thread.sleep(3000); // the idle window: nothing to wait for
      idleTo = System.currentTimeMillis();
      from = System.currentTimeMillis();
      for (int i = 0; i < rounds; i++) {
        client.roundTrip("Runtime.evaluate", EVAL);
      }
      to = System.currentTimeMillis();
    }
    double scale = (double) (to - from) / (idleTo - idleFrom);
    for (int n = 0; n < 2; n++) {
      StraceTrace traced = n == 0 ? onA : onB;
      StraceTrace.Counts counts = traced.between(from, to)
          .minus(traced.between(idleFrom, idleTo), scale);
      bench.add(new Result("B13H", "system calls per round trip, DevTools " + label + ", node "
          + (n == 0 ? "a" : "b"), "count", null, null, null, null, "report only", null,
          counts.per(rounds) + String.format(" (%d round trips under strace, idle rate taken"
              + " off)", rounds)));
    }
  }
}
