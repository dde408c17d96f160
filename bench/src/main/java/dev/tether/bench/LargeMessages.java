package dev.tether.bench;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** B5 large script sources and evaluation results; B6 a heap snapshot. */
final class LargeMessages {
  private LargeMessages() {}

  static void run(Bench bench, Bench.Target main) throws Exception {
    int rounds = bench.size(5, 2);
    Map<String, String> directIds = new ConcurrentHashMap<>();
    Map<String, String> relayedIds = new ConcurrentHashMap<>();
    try (Cdp direct = bench.direct(main).onEvent(m -> remember(m, directIds));
        Cdp relayed = bench.relayed(main).onEvent(m -> remember(m, relayedIds))) {
      direct.send("Debugger.enable", null);
      relayed.send("Debugger.enable", null);
      for (String script : new String[] {"big5.js", "big20.js"}) {
        String mb = script.replaceAll("\\D", "");
        measure(bench, "script source " + mb + " MB", rounds,
            direct, "Debugger.getScriptSource", "{\"scriptId\":\"" + directIds.get(script) + "\"}",
            relayed, "Debugger.getScriptSource",
            "{\"scriptId\":\"" + relayedIds.get(script) + "\"}");
      }
      direct.send("Debugger.disable", null);
      relayed.send("Debugger.disable", null);
      for (String s : new String[] {"s8", "s64"}) {
        String params = "{\"expression\":\"globalThis." + s + "\",\"returnByValue\":true}";
        measure(bench, "evaluation result " + s.substring(1) + " MB", rounds,
            direct, "Runtime.evaluate", params, relayed, "Runtime.evaluate", params);
      }
    }
  }

  static void remember(Cdp.Message m, Map<String, String> ids) {
    if ("Debugger.scriptParsed".equals(m.method())) {
      String url = Cdp.stringField(m.head(), "url");
      if (url != null && url.contains("/big")) {
        ids.put(url.substring(url.lastIndexOf('/') + 1), Cdp.stringField(m.head(), "scriptId"));
      }
    }
  }

  private static void measure(Bench bench, String what, int rounds, Cdp direct, String dMethod,
      String dParams, Cdp relayed, String rMethod, String rParams) {
    direct.send(dMethod, dParams); // warm-up, and proof the command works
    long size = relayed.send(rMethod, rParams).length();
    Samples d = new Samples();
    Samples r = new Samples();
    for (int i = 0; i < rounds; i++) { // who goes first alternates: the second may find a warmer heap
      if (i % 2 == 0) {
        d.add(direct.roundTrip(dMethod, dParams));
        r.add(relayed.roundTrip(rMethod, rParams));
      } else {
        r.add(relayed.roundTrip(rMethod, rParams));
        d.add(direct.roundTrip(dMethod, dParams));
      }
    }
    boolean met = r.p50() <= 1.15 * d.p50();
    bench.add(Result.latency("B5", what, d, r, "relayed ≤ 1.15× direct", met,
        String.format("reply %.1f MB, %d rounds", size / 1048576.0, rounds)));
  }

  /** B6: HeapProfiler.takeHeapSnapshot on the heap app, until its reply after the last chunk. */
  static void heapSnapshot(Bench bench, Bench.Target heap) throws Exception {
    int rounds = bench.size(3, 1);
    AtomicLong relayedBytes = new AtomicLong();
    try (Cdp direct = bench.direct(heap);
        Cdp relayed = bench.relayed(heap).onEvent(m -> count(m, relayedBytes))) {
      String used = direct.send("Runtime.getHeapUsage", null).head();
      direct.send("HeapProfiler.enable", null);
      relayed.send("HeapProfiler.enable", null);
      Samples d = new Samples();
      Samples r = new Samples();
      String take = "{\"reportProgress\":false}";
      direct.send("HeapProfiler.takeHeapSnapshot", take); // warm-up: the first snapshot is slower
      for (int i = 0; i < rounds; i++) { // who goes first alternates
        relayedBytes.set(0);
        if (i % 2 == 0) {
          r.add(relayed.roundTrip("HeapProfiler.takeHeapSnapshot", take));
          d.add(direct.roundTrip("HeapProfiler.takeHeapSnapshot", take));
        } else {
          d.add(direct.roundTrip("HeapProfiler.takeHeapSnapshot", take));
          r.add(relayed.roundTrip("HeapProfiler.takeHeapSnapshot", take));
        }
      }
      double heapMb = Double.parseDouble(used.replaceAll(".*\"usedSize\":([0-9.e+]+).*", "$1"))
          / 1048576.0;
      bench.add(Result.latency("B6", "heap snapshot", d, r, "relayed ≤ 1.05× direct",
          r.p50() <= 1.05 * d.p50(),
          String.format("heap %.0f MB used, snapshot %.0f MB in chunks, %d rounds", heapMb,
              relayedBytes.get() / 1048576.0, rounds)));
    }
  }

  private static void count(Cdp.Message m, AtomicLong bytes) {
    if ("HeapProfiler.addHeapSnapshotChunk".equals(m.method())) {
      bytes.addAndGet(m.length());
    }
  }
}
