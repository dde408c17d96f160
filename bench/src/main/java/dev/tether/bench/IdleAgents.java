package dev.tether.bench;

import io.netty.channel.Channel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/** B9: thousands of idle registered agents: relay heap per agent, and everyone reconnecting at once. */
final class IdleAgents {
  private static final int IN_FLIGHT = 256;

  private IdleAgents() {}

  static void run(Bench bench) throws Exception {
    int wanted = bench.size(10_000, 1_000);
    long fds = openFileLimit();
    int agents = (int) Math.min(wanted, Math.max(100, fds - 2_000));
    if (agents < wanted) {
      Bench.log("B9: ulimit -n is %d; simulating %d agents instead of %d (raise it with"
          + " ulimit -n %d)", fds, agents, wanted, wanted + 4_000);
    }
    String function = "bench-idle";
    long before = bench.relay.liveHeapBytes();
    try (FakeShims shims = new FakeShims(bench.relay.agentUri(), bench.relay.agentToken(function),
        function)) {
      long start = System.nanoTime();
      List<Channel> channels = connectAll(shims, agents);
      double firstSeconds = (System.nanoTime() - start) / 1e9;
      long during = bench.relay.liveHeapBytes();
      double perAgentKb = (during - before) / (double) agents / 1024.0;
      bench.add(new Result("B9", agents + " idle agents: relay heap per agent", "KB", null, null,
          perAgentKb, null, "≤ 20 KB per idle agent", perAgentKb <= 20,
          String.format("live heap %+.1f MB after full GC; first connect of all took %.1f s",
              (during - before) / 1048576.0, firstSeconds)));

      for (Channel channel : channels) {
        channel.close(); // abruptly: a network blip, not a goodbye
      }
      start = System.nanoTime();
      List<Channel> again = connectAll(shims, agents);
      double stormSeconds = (System.nanoTime() - start) / 1e9;
      boolean met = stormSeconds <= 10.0 * agents / 10_000;
      bench.add(new Result("B9", agents + " agents reconnect at once", "s", null, null,
          stormSeconds, null, "10k reconnects ≤ 10 s", met,
          String.format("%.0f reconnects/s, at most %d handshakes in flight",
              agents / stormSeconds, IN_FLIGHT)));
      again.forEach(Channel::close);
    }
  }

  private static List<Channel> connectAll(FakeShims shims, int agents) throws Exception {
    Semaphore inFlight = new Semaphore(IN_FLIGHT);
    List<CompletableFuture<Channel>> all = new ArrayList<>(agents);
    for (int i = 0; i < agents; i++) {
      inFlight.acquire();
      CompletableFuture<Channel> one = shims.connect("idle-" + i);
      one.whenComplete((c, e) -> inFlight.release());
      all.add(one);
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .orTimeout(300, TimeUnit.SECONDS).join();
    List<Channel> channels = new ArrayList<>(agents);
    all.forEach(f -> channels.add(f.join()));
    return channels;
  }

  private static long openFileLimit() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max open files")) {
          return Long.parseLong(line.substring(26).trim().split("\\s+")[0]);
        }
      }
    } catch (Exception e) {
      Bench.log("cannot read /proc/self/limits: %s", e);
    }
    return 1024;
  }
}
