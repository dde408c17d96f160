package dev.tether.bench;

import java.util.Locale;
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
    Map<String, String> floorIds = new ConcurrentHashMap<>();
    try (FloorPath floorPath = FloorPath.start(bench.home, bench.work, main.app().inspectorUrl());
        Cdp direct = bench.direct(main).onEvent(m -> remember(m, directIds));
        Cdp relayed = bench.relayed(main).onEvent(m -> remember(m, relayedIds));
        Cdp floor = Cdp.connect(bench.http, floorPath.devtools())
            .onEvent(m -> remember(m, floorIds))) {
      Route[] paths = {
          new Route(direct, CpuUse.of("node", main.app().pid())),
          new Route(relayed, CpuUse.of("node", main.app().pid(), "relay", bench.relay.pid(),
              "shim", main.shim().pid())),
          new Route(floor, CpuUse.of("node", main.app().pid(), "jetty hop", floorPath.jettyPid(),
              "netty hop", floorPath.nettyPid()))};
      for (Route path : paths) {
        path.client().send("Debugger.enable", null);
      }
      // big*.js are files the shim serves itself (≥ 1 MiB, file: URL); big*vm.js the same text
      // run from a string, whose source V8 answers, so that row is relaying only.
      for (String script : new String[] {"big5vm.js", "big5.js", "big20vm.js", "big20.js"}) {
        String mb = script.replaceAll("\\D", "");
        String how = script.contains("vm") ? " (V8 answers)" : " (shim serves the file)";
        Map<?, ?>[] ids = {directIds, relayedIds, floorIds};
        String[] params = new String[3];
        for (int i = 0; i < 3; i++) {
          params[i] = "{\"scriptId\":\"" + ids[i].get(script) + "\"}";
        }
        measure(bench, "script source " + mb + " MB" + how, rounds, "Debugger.getScriptSource",
            params, paths);
      }
      for (Route path : paths) {
        path.client().send("Debugger.disable", null);
      }
      for (String s : new String[] {"s8", "s64"}) {
        String params = "{\"expression\":\"globalThis." + s + "\",\"returnByValue\":true}";
        measure(bench, "evaluation result " + s.substring(1) + " MB", rounds, "Runtime.evaluate",
            new String[] {params, params, params}, paths);
      }
    }
  }

  /** A client and the processes its messages cross, whose CPU is counted per MB. */
  private record Route(Cdp client, Map<String, Long> pids) {}

  static void remember(Cdp.Message m, Map<String, String> ids) {
    if ("Debugger.scriptParsed".equals(m.method())) {
      String url = Cdp.stringField(m.head(), "url");
      if (url != null && url.contains("/big")) {
        ids.put(url.substring(url.lastIndexOf('/') + 1), Cdp.stringField(m.head(), "scriptId"));
      }
    }
  }

  /**
   * Direct, relayed and floor round trips of one command, interleaved in the same rounds (who
   * goes first rotates: a later one may find a warmer heap), then a second pass per path that
   * counts each process's CPU per MB of reply.
   */
  private static void measure(Bench bench, String what, int rounds, String method,
      String[] params, Route[] paths) throws Exception {
    long size = 0;
    for (int p = 0; p < 3; p++) { // warm-up, and proof the command works on each path
      size = paths[p].client().send(method, params[p]).length();
    }
    Samples[] samples = {new Samples(), new Samples(), new Samples()};
    for (int i = 0; i < rounds; i++) {
      for (int k = 0; k < 3; k++) {
        int p = (i + k) % 3;
        samples[p].add(paths[p].client().roundTrip(method, params[p]));
      }
    }
    long megabytes = Math.max(1, Math.round(size * (double) rounds / 1048576.0));
    String[] cpu = new String[3];
    for (int p = 0; p < 3; p++) {
      CpuUse use = new CpuUse(paths[p].pids());
      Cdp client = paths[p].client();
      String param = params[p];
      use.during(megabytes, () -> {
        for (int i = 0; i < rounds; i++) {
          client.roundTrip(method, param);
        }
        return null;
      });
      cpu[p] = use.note().replace("µs/msg", "µs/MB");
    }
    Samples d = samples[0];
    Samples r = samples[1];
    Samples f = samples[2];
    bench.add(Result.latency("B5", what, d, r, "relayed ≤ 1.15× direct", r.p50() <= 1.15 * d.p50(),
        String.format(Locale.ROOT, "reply %.1f MB, %d rounds; relayed %.2f× direct; direct %s;"
            + " relayed %s", size / 1048576.0, rounds, r.p50() / d.p50(), cpu[0], cpu[1])));
    bench.add(Result.latency("B5f", "the same through the floor (two bare forwarding JVMs)", d, f,
        "report only", null,
        String.format(Locale.ROOT, "floor %.2f× direct, Tether %.2f× the floor; floor %s",
            f.p50() / d.p50(), r.p50() / f.p50(), cpu[2])));
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
