package dev.tether.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code ./tether bench [--quick] [--only B1,B2,...] [--out DIR]}: starts the real relay, shims
 * and Node processes on loopback, measures a direct CDP client against one through Tether, prints
 * the table and writes it (with a chart) to {@code bench/results/}.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    boolean quick = false;
    Set<String> only = new TreeSet<>();
    Path home = Path.of(System.getProperty("tether.home", ".")).toAbsolutePath().normalize();
    Path out = home.resolve("bench/results");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--only" -> only.addAll(Arrays.asList(args[++i].toUpperCase(Locale.ROOT).split(",")));
        case "--out" -> out = Path.of(args[++i]).toAbsolutePath();
        default -> {
          System.err.println("usage: ./tether bench [--quick] [--only B1,B2,...] [--out DIR]"
              + " | ./tether bench --jmh [JMH options]");
          System.exit(2);
        }
      }
    }
    Path work = Files.createDirectories(home.resolve("target/bench"));
    Bench bench = new Bench(home, work, quick);
    String loadBefore = Machine.load();
    Bench.log("machine: %s; load before: %s", Machine.describe(), loadBefore);
    List<AutoCloseable> running = new ArrayList<>();
    try {
      bench.relay = RelayProcess.start(home, work, bench.http);
      running.add(bench.relay);
      Path apps = Files.createDirectories(work.resolve("apps"));
      Bench.Target main = target(bench, running, "bench-main",
          NodeApp.start("main", NodeApp.writeMainApp(apps), "main.js", Map.of(), work));
      if (wanted(only, "B2") || wanted(only, "B3") || wanted(only, "B4")) {
        guarded(bench, "B2-B4", () -> Latency.run(bench, main));
      }
      if (wanted(only, "B1")) {
        for (int modules : new int[] {0, 500, 3000}) { // 0: B1s, the fixed cost alone
          guarded(bench, "B1", () -> {
            List<AutoCloseable> mine = new ArrayList<>();
            try {
              Bench.Target app = target(bench, mine, "bench-app" + modules, NodeApp.start(
                  "app" + modules, NodeApp.writeModulesApp(apps, modules), "index.js", Map.of(),
                  work));
              Attach.run(bench, app, modules);
            } finally {
              closeAll(mine);
            }
          });
        }
      }
      if (wanted(only, "B5")) {
        guarded(bench, "B5", () -> LargeMessages.run(bench, main));
      }
      Bench.Target heap = null;
      if (wanted(only, "B6") || wanted(only, "B10")) {
        heap = target(bench, running, "bench-heap", NodeApp.start("heap",
            NodeApp.writeHeapApp(apps), "heap.js",
            Map.of("HEAP_MB", String.valueOf(bench.size(50, 15))), work));
      }
      Bench.Target heapTarget = heap;
      if (wanted(only, "B6")) {
        guarded(bench, "B6", () -> LargeMessages.heapSnapshot(bench, heapTarget));
      }
      if (wanted(only, "B7")) {
        guarded(bench, "B7", () -> SlowConsumer.run(bench, main));
      }
      if (wanted(only, "B10")) {
        Bench.Target quiet = target(bench, running, "bench-quiet", NodeApp.start("quiet",
            NodeApp.writeModulesApp(apps, 10), "index.js", Map.of(), work));
        guarded(bench, "B10", () -> ManySessions.run(bench, quiet, heapTarget));
      }
      if (wanted(only, "B12")) {
        guarded(bench, "B12", () -> {
          List<AutoCloseable> mine = new ArrayList<>();
          try {
            NodeApp modules = NodeApp.start("far500", NodeApp.writeModulesApp(apps, 500),
                "index.js", Map.of(), work);
            mine.add(modules);
            NodeApp farHeap = NodeApp.start("farheap", NodeApp.writeHeapApp(apps), "heap.js",
                Map.of("HEAP_MB", String.valueOf(bench.size(50, 15))), work);
            mine.add(farHeap);
            FarLink.run(bench, modules, main.app(), farHeap);
          } finally {
            closeAll(mine);
          }
        });
      }
      if (wanted(only, "B8")) {
        guarded(bench, "B8", () -> ColdStart.run(bench, main));
      }
      if (wanted(only, "B11")) {
        guarded(bench, "B11", () -> FunctionColdStart.run(bench));
      }
      if (wanted(only, "B13")) {
        guarded(bench, "B13", () -> ClusterScale.run(bench));
      }
      if (wanted(only, "B13H")) {
        guarded(bench, "B13H", () -> PeerHop.run(bench));
      }
      if (wanted(only, "B14")) {
        guarded(bench, "B14", () -> SnapshotPause.run(bench, apps));
        guarded(bench, "B14", () -> SnapshotThroughput.run(bench, apps));
      }
      if (wanted(only, "B9")) {
        guarded(bench, "B9", () -> IdleAgents.run(bench));
      }
    } finally {
      closeAll(running);
    }
    String loadAfter = Machine.load();
    write(bench, out, loadBefore, loadAfter);
  }

  private static Bench.Target target(Bench bench, List<AutoCloseable> running, String function,
      NodeApp app) throws Exception {
    running.add(app);
    Bench.Target target = bench.tether(function, app);
    running.add(target.shim());
    return target;
  }

  private static boolean wanted(Set<String> only, String id) {
    return only.isEmpty() || only.contains(id);
  }

  interface Step {
    void run() throws Exception;
  }

  /** One failing benchmark is reported and skipped; the others still run. */
  private static void guarded(Bench bench, String id, Step step) {
    try {
      step.run();
    } catch (Exception | Error e) {
      Bench.log("%s failed: %s", id, e);
      e.printStackTrace();
      bench.add(new Result(id, "failed to run", "", null, null, null, null, "", false,
          String.valueOf(e).replace('\n', ' ')));
    }
  }

  private static void closeAll(List<AutoCloseable> running) {
    for (int i = running.size() - 1; i >= 0; i--) {
      try {
        running.get(i).close();
      } catch (Exception e) {
        Bench.log("cleanup: %s", e);
      }
    }
  }

  private static void write(Bench bench, Path out, String loadBefore, String loadAfter)
      throws Exception {
    Files.createDirectories(out);
    String machine = Machine.describe();
    String when = Instant.now().toString();
    StringBuilder md = new StringBuilder();
    md.append("Run ").append(when).append(bench.quick ? " with --quick" : "").append(".\n\n");
    md.append("Machine: ").append(machine).append(".\n\n");
    md.append("Load average (1, 5, 15 min) before: ").append(loadBefore).append("; after: ")
        .append(loadAfter).append(".\n\n");
    md.append(Report.markdown(bench.results));
    Files.writeString(out.resolve("latest.md"), md.toString());
    if (!bench.distributions.isEmpty()) {
      Files.writeString(out.resolve("roundtrips.svg"), Chart.svg(bench.distributions,
          machine + "; load " + loadBefore + "; " + when));
    }
    System.out.println();
    System.out.println(md);
    Bench.log("wrote %s and the chart beside it; processes' logs are in target/bench/",
        out.resolve("latest.md"));
  }
}
