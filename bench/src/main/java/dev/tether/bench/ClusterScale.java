package dev.tether.bench;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * B13: three relay processes as one cluster on this machine with a redis-server of its own:
 * Redis memory per registered agent, a console round trip with DevTools on the instance's node
 * against DevTools on another node (peered), and how long the agents of a node killed with
 * {@code kill -9} take to be registered on the others.
 */
final class ClusterScale {
  /**
   * Handshakes under way at once (a real fleet has no such cap; the harness keeps one so that its
   * own event loops, on the same two cores, are not what is measured; before 2026-11-30: 64).
   * {@code -Dtether.bench.b13.inFlight=N} sets another.
   */
  private static final int IN_FLIGHT = Integer.getInteger("tether.bench.b13.inFlight", 256);
  /**
   * Simulated shims per child process at most (each child's sockets stay well below the
   * sandbox's 20,000 open files per process); {@code -Dtether.bench.b13.children=N} sets the
   * number of children instead.
   */
  private static final int PER_CHILD = 5_000;
  private static final String EVAL = "{\"expression\":\"6*7\"}";

  private ClusterScale() {}

  static void run(Bench bench) throws Exception {
    if (!Files.isExecutable(Path.of("/usr/bin/redis-server"))) {
      Bench.log("B13: skipped: redis-server is not installed (apt-get install redis-server)");
      return;
    }
    Path work = Files.createDirectories(bench.work.resolve("b13"));
    List<AutoCloseable> running = new ArrayList<>();
    int redisPort = startRedis(work, running);
    try (RedisClient client = RedisClient.create("127.0.0.1", redisPort)) {
      awaitRedis(client);
      RelayProcess[] nodes = startNodes(bench, work, redisPort, 3, running);
      long baseline = usedMemory(client);

      roundTrips(bench, work, nodes, running);

      int agents = bench.size(20_000, 3_000) / 3 * 3;
      int perNode = agents / 3;
      String function = "bench-cluster";
      // The simulated shims live in child processes, each below one process's open-file limit.
      int count = Integer.getInteger("tether.bench.b13.children",
          (agents + PER_CHILD - 1) / PER_CHILD);
      ShimFleet fleet = ShimFleet.start(count, Math.max(1, IN_FLIGHT / count), function, work);
      running.add(0, fleet);
      for (int i = 0; i < 3; i++) {
        fleet.relay(i, nodes[i].agentUri(), nodes[i].agentToken(function));
      }
      // Child j holds n0-k, n1-k, n2-k for its range of k, and the three nodes' agents dial
      // together, as a fleet does: n0-k on node a, n1-k on node b, n2-k on node c, n0-k+1, …
      List<List<String>> slices = new ArrayList<>();
      List<List<String>> ofNodeC = new ArrayList<>();
      for (int j = 0; j < count; j++) {
        List<String> slice = new ArrayList<>();
        List<String> onC = new ArrayList<>();
        for (int k = j * perNode / count; k < (j + 1) * perNode / count; k++) {
          for (int i = 0; i < 3; i++) {
            slice.add("n" + i + "-" + k);
          }
          onC.add("n2-" + k);
        }
        slices.add(slice);
        ofNodeC.add(onC);
      }
      long start = System.nanoTime();
      ShimFleet.Outcome first = fleet.connect(List.of(0, 1, 2), slices);
      awaitKeys(client, "tether:agent:" + function + "/*", agents, Duration.ofSeconds(120));
      double seconds = (System.nanoTime() - start) / 1e9;
      long used = usedMemory(client) - baseline;
      String sampleKey = firstKey(client, "tether:agent:" + function + "/*");
      Long oneKey = client.memoryUsage(sampleKey);
      Long index = client.memoryUsage("tether:fn:" + function);
      bench.add(new Result("B13", agents + " agents on 3 nodes: Redis memory per agent",
          "bytes", null, null, (double) used / agents, null, "report only", null,
          String.format("used_memory %+.1f MB; MEMORY USAGE of one entry %d bytes, of the"
              + " function's index %.1f bytes per agent; all registered and in Redis after %.1f s"
              + " (%d shim processes, %d handshakes retried); %s", used / 1048576.0,
              oneKey == null ? 0 : oneKey, index == null ? 0.0 : (double) index / agents, seconds,
              count, first.retried(), first.phases())));

      // kill -9 of node c: its agents dial the next node at once, as a shim with several URLs.
      long killed = System.nanoTime();
      Processes.kill(nodes[2].pid());
      ShimFleet.Outcome moved = fleet.connect(List.of(0, 1), ofNodeC);
      double reRegistered = (System.nanoTime() - killed) / 1e9;
      awaitNoEntriesOf(client, "relay-c", Duration.ofSeconds(60));
      double forgotten = (System.nanoTime() - killed) / 1e9;
      bench.add(new Result("B13", perNode + " agents of a node killed with kill -9:"
          + " registered on the other two", "s", null, null, reRegistered, null, "≤ 10 s",
          reRegistered <= 10.0, String.format("each dials the next node at once; %d handshakes"
              + " retried; the dead node's Redis entries gone %.1f s after the kill (TTL 6 s);"
              + " %s", moved.retried(), forgotten, moved.phases())));
    } finally {
      for (AutoCloseable closeable : running) {
        try {
          closeable.close();
        } catch (Exception e) {
          Bench.log("B13: closing %s failed: %s", closeable, e);
        }
      }
    }
  }

  /** A redis-server of the bench's own on a free port, stopped with {@code running}. */
  static int startRedis(Path work, List<AutoCloseable> running) throws Exception {
    int redisPort = Processes.freePort();
    Process redis = Processes.start(List.of("/usr/bin/redis-server", "--port",
        String.valueOf(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
        work);
    running.add(() -> Processes.stop(redis));
    return redisPort;
  }

  /** {@code size} relay processes as one cluster (relay-a, relay-b, …), with the first one's key. */
  static RelayProcess[] startNodes(Bench bench, Path work, int redisPort, int size,
      List<AutoCloseable> running) throws Exception {
    RelayProcess[] nodes = new RelayProcess[size];
    int[] ports = new int[size];
    for (int i = 0; i < size; i++) {
      ports[i] = Processes.freePort();
    }
    String publicUrl = "http://127.0.0.1:" + ports[0];
    for (int i = 0; i < size; i++) {
      String name = "relay-" + (char) ('a' + i);
      String cluster = ", \"cluster\": {\"nodeId\": \"" + name + "\", \"redis\":"
          + " \"redis://127.0.0.1:" + redisPort + "/0\", \"peerUrl\": \"ws://127.0.0.1:"
          + ports[i] + "\"}";
      nodes[i] = RelayProcess.startNode(bench.home, work, bench.http, name, ports[i], cluster,
          publicUrl, i == 0 ? null : nodes[0].dataDir());
      running.add(0, nodes[i]);
    }
    return nodes;
  }

  /** A real node app tethered to node b; DevTools on node b (same) and on node a (peered). */
  private static void roundTrips(Bench bench, Path work, RelayProcess[] nodes,
      List<AutoCloseable> running) throws Exception {
    Cdp[] clients = sameAndPeered(bench, work, nodes, running);
    try (Cdp same = clients[0]; Cdp cross = clients[1]) {
      Samples[] samples = Latency.alternate(bench.size(300, 100),
          bench.size(2000, 300), same, cross);
      bench.distributions.put("B13 same node vs cross node", samples);
      double added = Result.ms(samples[1].p50() - samples[0].p50());
      bench.add(Result.latency("B13", "evaluate round trip, DevTools on the instance's node vs"
              + " on another node", samples[0], samples[1], "cross p50 ≤ same + 0.2 ms",
          added <= 0.2, String.format("added p50 %+.3f ms (one more hop through node a)",
              added)));
    }
  }

  /**
   * A real node app tethered to node b ({@code nodes[1]}) and two DevTools clients on it: [0] on
   * node b (same node), [1] on node a (peered to b).
   */
  static Cdp[] sameAndPeered(Bench bench, Path work, RelayProcess[] nodes,
      List<AutoCloseable> running) throws Exception {
    Path apps = Files.createDirectories(work.resolve("apps"));
    NodeApp app = NodeApp.start("b13", NodeApp.writeMainApp(apps), "main.js", Map.of(), work);
    running.add(0, app);
    ShimProcess shim = ShimProcess.start(bench.home, nodes[1], "bench-b13", "b13-1",
        app.inspectorAddress(), work);
    running.add(0, shim);
    RelayProcess.Session local = nodes[1].newSession("bench-b13", "b13-1");
    RelayProcess.Session peered = nodes[0].newSession("bench-b13", "b13-1");
    URI publicBase = URI.create("ws" + nodes[0].base().toString().substring(4));
    URI sameUrl = URI.create(local.debuggerUrl().toString().replace(publicBase.toString(),
        "ws" + nodes[1].base().toString().substring(4)));
    Cdp same = Cdp.connect(bench.http, sameUrl);
    try {
      return new Cdp[] {same, Cdp.connect(bench.http, peered.debuggerUrl())};
    } catch (RuntimeException e) {
      same.close();
      throw e;
    }
  }

  private static long usedMemory(RedisClient client) {
    for (String line : client.info("memory").split("\r?\n")) {
      if (line.startsWith("used_memory:")) {
        return Long.parseLong(line.substring("used_memory:".length()).trim());
      }
    }
    return 0;
  }

  private static List<String> keys(RedisClient client, String pattern) {
    List<String> keys = new ArrayList<>();
    String cursor = ScanParams.SCAN_POINTER_START;
    do {
      ScanResult<String> page = client.scan(cursor, new ScanParams().match(pattern).count(1000));
      keys.addAll(page.getResult());
      cursor = page.getCursor();
    } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
    return keys;
  }

  private static String firstKey(RedisClient client, String pattern) {
    List<String> keys = keys(client, pattern);
    return keys.isEmpty() ? "none" : keys.get(0);
  }

  private static void awaitKeys(RedisClient client, String pattern, int count, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (keys(client, pattern).size() < count) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("Redis holds " + keys(client, pattern).size() + " of "
            + count + " agents after " + timeout.toSeconds() + " s");
      }
      Thread.sleep(100); // polling Redis, not a test assertion
    }
  }

  private static void awaitNoEntriesOf(RedisClient client, String node, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<String> keys = keys(client, "tether:*");
      boolean left = false;
      for (int from = 0; from < keys.size() && !left; from += 1000) {
        for (String value : client.mget(keys.subList(from, Math.min(keys.size(), from + 1000))
            .toArray(String[]::new))) {
          if (value != null && value.contains("\"node\":\"" + node + "\"")) {
            left = true;
            break;
          }
        }
      }
      if (!left || System.nanoTime() > deadline) {
        return;
      }
      Thread.sleep(100);
    }
  }

  static void awaitRedis(RedisClient client) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      try {
        client.ping();
        return;
      } catch (RuntimeException e) {
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException("redis-server did not start");
  }
}
