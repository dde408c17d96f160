package dev.tether.bench;

/** B8: the real shim jar, spawned as a function platform would, until the relay registered it. */
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
    bench.add(new Result("B8", "shim cold start to registered", "ms", null, null, ms,
        Result.ms(startup.p99()), "≤ 250 ms", ms <= 250,
        String.format("JVM flags '%s', attach mode; median of %d", ShimProcess.DEFAULT_JAVA_OPTS,
            rounds)));
    bench.add(new Result("B8", "shim RSS, idle after registering", "MB", null, null, mb,
        peak.p50() / 1048576.0, "≤ 60 MB", mb <= 60,
        "second figure: peak RSS (VmHWM)"));
  }
}
