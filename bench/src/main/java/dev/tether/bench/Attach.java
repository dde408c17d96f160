package dev.tether.bench;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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

  static void run(Bench bench, Bench.Target target, int modules) throws Exception {
    int rounds = bench.size(10, 3);
    Samples direct = new Samples();
    Samples relayed = new Samples();
    int scripts = 0;
    for (int i = -1; i < rounds; i++) { // round -1 warms up
      long[] d = burst(bench, target.app().inspectorUrl());
      RelayProcess.Session session =
          bench.relay.newSession(target.function(), target.instance());
      long[] r = burst(bench, session.debuggerUrl());
      bench.relay.endSession(session);
      if (i >= 0) {
        direct.add(d[0]);
        relayed.add(r[0]);
        scripts = (int) r[1];
      }
    }
    double limit = 1.25 * direct.p50();
    bench.add(Result.latency("B1", "attach burst, " + modules + " modules", direct, relayed,
        "relayed ≤ 1.25× direct", relayed.p50() <= limit,
        scripts + " scriptParsed events per attach; socket open to last reply"));
  }

  /** [nanos from connect to the last reply, scriptParsed events seen]. */
  static long[] burst(Bench bench, URI url) {
    AtomicInteger scripts = new AtomicInteger();
    long start = System.nanoTime();
    try (Cdp client = Cdp.connect(bench.http, url)) {
      client.onEvent(m -> {
        if ("Debugger.scriptParsed".equals(m.method())) {
          scripts.incrementAndGet();
        }
      });
      CompletableFuture<?>[] replies = new CompletableFuture<?>[BURST.size()];
      for (int i = 0; i < replies.length; i++) {
        replies[i] = client.call(BURST.get(i)[0], BURST.get(i)[1]);
      }
      CompletableFuture.allOf(replies).orTimeout(120, TimeUnit.SECONDS).join();
      return new long[] {System.nanoTime() - start, scripts.get()};
    }
  }
}
