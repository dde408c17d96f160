package dev.tether.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * B11: what Tether costs a function's cold start. From spawning to the function's first line on
 * stdout, the function alone ({@code node app.js}) against the same under the layer's launcher,
 * interleaved so both see the same machine; then a CPU-bound initialisation of about 300 ms,
 * both pinned to one core with {@code taskset}, where the shim's JVM competes for that core.
 */
final class FunctionColdStart {
  private FunctionColdStart() {}

  static void run(Bench bench) throws Exception {
    Path layer = LayerLaunch.layer(bench.home);
    Path apps = Files.createDirectories(bench.work.resolve("b11"));
    Path ready = Files.writeString(apps.resolve("ready.js"), "console.log('ready');\n");
    int rounds = bench.size(21, 5);
    Samples bare = new Samples();
    Samples wrapped = new Samples();
    // The layer in place: where it sits changes only the shim's start, not the function's, and a
    // private mount namespace (unshare, mount) would add its own milliseconds to the function's.
    for (int i = 0; i < rounds; i++) {
      bare.add(firstLine(bench, List.of("node", ready.toString()), Map.of()));
      wrapped.add(wrapped(bench, layer, false, List.of(), ready, "b11-" + i));
    }
    double overhead = Result.ms(wrapped.p50()) - Result.ms(bare.p50());
    bench.add(Result.latency("B11", "function cold start to its first line (bare | layer)",
        bare, wrapped, "≤ bare + 10 ms", overhead <= 10,
        String.format("median of %d interleaved runs each; %+.1f ms; layer in place", rounds,
            overhead)));

    long iterations = calibrate(apps);
    Path busy = Files.writeString(apps.resolve("busy.js"),
        "let x = 0; for (let i = 0; i < " + iterations + "; i++) { x = (x + i * 7) % 1000003; }\n"
            + "console.log('ready', x);\n");
    int cpuRounds = bench.size(11, 3);
    Samples bareCpu = new Samples();
    Samples wrappedCpu = new Samples();
    List<String> oneCore = List.of("taskset", "-c", "0");
    for (int i = 0; i < cpuRounds; i++) {
      List<String> node = new ArrayList<>(oneCore);
      node.addAll(List.of("node", busy.toString()));
      bareCpu.add(firstLine(bench, node, Map.of()));
      wrappedCpu.add(wrapped(bench, layer, false, oneCore, busy, "b11cpu-" + i));
    }
    double ratio = wrappedCpu.p50() / bareCpu.p50();
    bench.add(Result.latency("B11", "300 ms CPU-bound start on one core (bare | layer)",
        bareCpu, wrappedCpu, "≤ 1.05× bare", ratio <= 1.05,
        String.format("taskset -c 0 for node and the shim; median of %d interleaved runs; %.3f×;"
            + " layer in place", cpuRounds, ratio)));
  }

  private static long wrapped(Bench bench, Path layer, boolean atOpt, List<String> prefix,
      Path app, String instance) throws Exception {
    List<String> command = new ArrayList<>(prefix);
    command.addAll(LayerLaunch.command(layer, atOpt, List.of("node", app.toString())));
    return firstLine(bench, command,
        LayerLaunch.environment(bench.relay, "bench-b11", instance));
  }

  /** Nanoseconds from spawning {@code command} to its first line on stdout. */
  private static long firstLine(Bench bench, List<String> command, Map<String, String> env)
      throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).directory(bench.work.toFile())
        .redirectError(ProcessBuilder.Redirect.DISCARD);
    builder.environment().putAll(env);
    long started = System.nanoTime();
    Process process = builder.start();
    String line = new java.io.BufferedReader(new java.io.InputStreamReader(
        process.getInputStream(), java.nio.charset.StandardCharsets.UTF_8)).readLine();
    long elapsed = System.nanoTime() - started;
    if (line == null || !line.startsWith("ready")) {
      throw new IllegalStateException("no first line from " + command);
    }
    Optional<ProcessHandle> shim = LayerLaunch.shim(process);
    process.waitFor(30, TimeUnit.SECONDS);
    LayerLaunch.awaitGone(shim);
    return elapsed;
  }

  /** Loop iterations that keep node busy for about 300 ms on this machine (a bare run). */
  private static long calibrate(Path apps) throws Exception {
    long probe = 50_000_000L;
    Path app = Files.writeString(apps.resolve("calibrate.js"),
        "const t = process.hrtime.bigint(); let x = 0;"
            + " for (let i = 0; i < " + probe + "; i++) { x = (x + i * 7) % 1000003; }"
            + " console.log(Number(process.hrtime.bigint() - t) / 1e6, x);\n");
    Process node = new ProcessBuilder("taskset", "-c", "0", "node", app.toString()).start();
    String out = new String(node.getInputStream().readAllBytes(),
        java.nio.charset.StandardCharsets.UTF_8).trim();
    node.waitFor(60, TimeUnit.SECONDS);
    double ms = Double.parseDouble(out.split("\\s+")[0]);
    return Math.max(1, (long) (probe * 300.0 / Math.max(ms, 1)));
  }
}
