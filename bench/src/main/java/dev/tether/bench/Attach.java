package dev.tether.bench;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** B1: DevTools' attach burst, from opening the socket to the last reply, on apps of many scripts. */
final class Attach {
  /** What Chrome DevTools sends on attaching to a Node target, in its order, all at once. */
  static final List<String[]> BURST = List.of(
      new String[] {"Runtime.enable", "{}"},
      new String[] {"Debugger.enable", "{\"maxScriptsCacheSize\":10000000}"},
      new String[] {"Debugger.setPauseOnExceptions", "{\"state\":\"none\"}"},
      new String[] {"Debugger.setAsyncCallStackDepth", "{\"maxDepth\":32}"},
      new String[] {"Profiler.enable", "{}"},
      new String[] {"Debugger.setBlackboxPatterns", "{\"patterns\":[]}"},
      new String[] {"Runtime.runIfWaitingForDebugger", "{}"});

  private Attach() {}

  /**
   * One row for an app of {@code modules} scripts; an app of none is row B1s, the fixed cost of
   * an attach alone, whose note splits it into its phases.
   */
  static void run(Bench bench, Bench.Target target, int modules) throws Exception {
    int rounds = modules == 0 ? bench.size(30, 10) : bench.size(10, 3);
    Phases direct = new Phases();
    Phases relayed = new Phases();
    int scripts = 0;
    for (int i = -3; i < rounds; i++) { // rounds -3..-1 warm up (the first attach is excluded)
      long[] d = burst(bench, target.app().inspectorUrl());
      RelayProcess.Session session =
          bench.relay.newSession(target.function(), target.instance());
      long[] r = burst(bench, session.debuggerUrl());
      bench.relay.endSession(session);
      if (i >= 0) {
        direct.add(d);
        relayed.add(r);
        scripts = (int) r[3];
      }
    }
    double limit = 1.25 * direct.total.p50();
    String split = "p50 split, direct | relayed: socket open (TCP + upgrade) "
        + ms(direct.open) + " | " + ms(relayed.open) + " ms; open to first reply "
        + ms(direct.first) + " | " + ms(relayed.first) + " ms; first to last reply "
        + ms(direct.rest) + " | " + ms(relayed.rest) + " ms";
    if (modules == 0) {
      bench.add(Result.latency("B1s", "attach burst, app of no modules (the fixed cost)",
          direct.total, relayed.total, "report only", null,
          scripts + " scriptParsed events per attach (node's own); " + split));
      return;
    }
    bench.add(Result.latency("B1", "attach burst, " + modules + " modules", direct.total,
        relayed.total, "relayed ≤ 1.25× direct", relayed.total.p50() <= limit,
        scripts + " scriptParsed events per attach; socket open to last reply; " + split));
  }

  private static String ms(Samples samples) {
    return String.format(Locale.ROOT, "%.1f", Result.ms(samples.p50()));
  }

  /** Each attach's phases: the whole, and its three parts, in nanoseconds. */
  private static final class Phases {
    final Samples total = new Samples();
    final Samples open = new Samples();
    final Samples first = new Samples();
    final Samples rest = new Samples();

    void add(long[] burst) {
      total.add(burst[0]);
      open.add(burst[1]);
      first.add(burst[2] - burst[1]);
      rest.add(burst[0] - burst[2]);
    }
  }

  /**
   * [nanos from connect to the last reply, to the socket's upgrade done, to the first reply,
   * scriptParsed events seen].
   */
  static long[] burst(Bench bench, URI url) {
    AtomicInteger scripts = new AtomicInteger();
    long start = System.nanoTime();
    try (Cdp client = Cdp.connect(bench.http, url)) {
      long open = System.nanoTime() - start;
      client.onEvent(m -> {
        if ("Debugger.scriptParsed".equals(m.method())) {
          scripts.incrementAndGet();
        }
      });
      CompletableFuture<?>[] replies = new CompletableFuture<?>[BURST.size()];
      AtomicLong first = new AtomicLong();
      for (int i = 0; i < replies.length; i++) {
        replies[i] = client.call(BURST.get(i)[0], BURST.get(i)[1])
            .thenRun(() -> first.compareAndSet(0, System.nanoTime() - start));
      }
      CompletableFuture.allOf(replies).orTimeout(120, TimeUnit.SECONDS).join();
      return new long[] {System.nanoTime() - start, open, first.get(), scripts.get()};
    }
  }
}
