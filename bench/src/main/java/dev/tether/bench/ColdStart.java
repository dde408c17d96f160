package dev.tether.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * B8: the shim from spawn until the relay registered it, and its memory once idle: the jar as
 * {@code java -jar} (attach mode), and the layer as a platform runs it (its launcher, pid mode).
 */
final class ColdStart {
  private ColdStart() {}

  static void run(Bench bench, Bench.Target main) throws Exception {
    int rounds = bench.size(5, 2);
    Samples startup = new Samples();
    Samples rss = new Samples();
    Samples peak = new Samples();
    for (int i = 0; i < rounds; i++) {
      try (ShimProcess shim = ShimProcess.start(bench.home, bench.relay, "bench-cold",
          "cold-" + i, main.app().inspectorAddress(), bench.work)) {
        startup.add(shim.coldStartNanos());
        Thread.sleep(2000); // let it settle into idle before reading its memory
        rss.add(Processes.rssBytes(shim.pid()));
        peak.add(Processes.peakRssBytes(shim.pid()));
      }
    }
    double ms = Result.ms(startup.p50());
    double mb = rss.p50() / 1048576.0;
    bench.add(new Result("B8", "shim jar cold start to registered", "ms", null, null, ms,
        Result.ms(startup.p99()), "≤ 300 ms", ms <= 300,
        String.format("java -jar, JVM flags '%s', attach mode; median of %d",
            ShimProcess.DEFAULT_JAVA_OPTS, rounds)));
    bench.add(new Result("B8", "shim jar RSS, idle after registering", "MB", null, null, mb,
        peak.p50() / 1048576.0, "≤ 40 MB", mb <= 40, "second figure: peak RSS (VmHWM)"));
    layer(bench, rounds);
  }

  private static void layer(Bench bench, int rounds) throws Exception {
    Path layer = LayerLaunch.layer(bench.home);
    boolean atOpt = LayerLaunch.atOpt();
    Path app = Files.writeString(Files.createDirectories(bench.work.resolve("b8")).resolve("idle.js"),
        "console.log('ready'); setInterval(() => {}, 1000);\n");
    Samples startup = new Samples();
    Samples rss = new Samples();
    Samples peak = new Samples();
    for (int i = 0; i < rounds; i++) {
      String instance = "cold-layer-" + i;
      ProcessBuilder builder = new ProcessBuilder(
          LayerLaunch.command(layer, atOpt, List.of("node", app.toString())))
          .directory(bench.work.toFile());
      builder.environment().putAll(LayerLaunch.environment(bench.relay, "bench-cold", instance));
      long started = System.nanoTime();
      Process function = builder.start();
      Processes.pump(function.getInputStream(), bench.work.resolve(instance + ".out"), l -> null);
      long registered = Processes.pump(function.getErrorStream(),
              bench.work.resolve(instance + ".err"),
              line -> line.contains("registered function=") ? line : null)
          .orTimeout(60, TimeUnit.SECONDS).join().nanos();
      startup.add(registered - started);
      Optional<ProcessHandle> shim = LayerLaunch.shim(function);
      Thread.sleep(2000); // let it settle into idle before reading its memory
      long pid = shim.orElseThrow(() -> new IllegalStateException("no shim beside the function"))
          .pid();
      rss.add(Processes.rssBytes(pid));
      peak.add(Processes.peakRssBytes(pid));
      Processes.stop(function);
      LayerLaunch.awaitGone(shim);
    }
    double ms = Result.ms(startup.p50());
    double mb = rss.p50() / 1048576.0;
    String where = atOpt ? "layer at /opt/tether" : "layer in place (its CDS archive unused)";
    bench.add(new Result("B8", "shim layer cold start to registered", "ms", null, null, ms,
        Result.ms(startup.p99()), "≤ 300 ms", ms <= 300,
        String.format("bin/tether-shim -- node app.js (shim niced beside it), %s; median of %d",
            where, rounds)));
    bench.add(new Result("B8", "shim layer RSS, idle after registering", "MB", null, null, mb,
        peak.p50() / 1048576.0, "≤ 40 MB", mb <= 40, "second figure: peak RSS (VmHWM)"));
  }
}
