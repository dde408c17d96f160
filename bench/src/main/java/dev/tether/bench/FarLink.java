package dev.tether.bench;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * B12: a far link. A {@link DelayProxy} adds the same one-way delay between shim and relay as
 * between the direct client and the inspector, so both paths cross one link; each measure is
 * held against direct over that link: DevTools' attach burst, a 20 MB script source, and a heap
 * snapshot of the heap app.
 */
final class FarLink {
  private FarLink() {}

  /** The one-way delay: {@code -Dtether.bench.delayMs}, 25 ms unless given. */
  static Duration delay() {
    return Duration.ofMillis(Long.getLong("tether.bench.delayMs", 25));
  }

  static void run(Bench bench, NodeApp modules, NodeApp main, NodeApp heap) throws Exception {
    Duration delay = delay();
    URI agent = bench.relay.agentUri();
    try (DelayProxy toRelay = DelayProxy.start(
            new InetSocketAddress("127.0.0.1", agent.getPort()), delay)) {
      String note = delay.toMillis() + " ms each way";
      attach(bench, toRelay, modules, note);
      source(bench, toRelay, main, note);
      snapshot(bench, toRelay, heap, note);
    }
  }

  /** A shim that reaches the relay across the link, and a proxy that reaches the inspector so. */
  private record Far(Bench.Target target, DelayProxy toInspector) implements AutoCloseable {
    URI direct() {
      return toInspector.via(target.app().inspectorUrl());
    }

    @Override
    public void close() throws Exception {
      target.shim().close();
      toInspector.close();
    }
  }

  private static Far far(Bench bench, DelayProxy toRelay, NodeApp app, String function)
      throws Exception {
    URI inspector = app.inspectorUrl();
    DelayProxy toInspector = DelayProxy.start(
        new InetSocketAddress(inspector.getHost(), inspector.getPort()), delay());
    String instance = function + "-1";
    ShimProcess shim = ShimProcess.start(bench.home, toRelay.via(bench.relay.agentUri()),
        bench.relay.agentToken(function), function, instance, app.inspectorAddress(), bench.work);
    return new Far(new Bench.Target(function, instance, app, shim), toInspector);
  }

  private static void attach(Bench bench, DelayProxy toRelay, NodeApp modules, String note)
      throws Exception {
    try (Far far = far(bench, toRelay, modules, "bench-far-attach")) {
      int rounds = bench.size(5, 2);
      Samples d = new Samples();
      Samples r = new Samples();
      long scripts = 0;
      for (int i = -1; i < rounds; i++) { // round -1 warms up
        long[] direct = Attach.burst(bench, far.direct());
        RelayProcess.Session session =
            bench.relay.newSession(far.target().function(), far.target().instance());
        long[] relayed = Attach.burst(bench, session.debuggerUrl());
        bench.relay.endSession(session);
        if (i >= 0) {
          d.add(direct[0]);
          r.add(relayed[0]);
          scripts = relayed[3];
        }
      }
      bench.add(Result.latency("B12", "far: attach burst", d, r, "relayed ≤ 1.1× direct",
          r.p50() <= 1.1 * d.p50(), note + "; " + scripts + " scripts, " + rounds + " rounds"));
    }
  }

  private static void source(Bench bench, DelayProxy toRelay, NodeApp main, String note)
      throws Exception {
    try (Far far = far(bench, toRelay, main, "bench-far-main")) {
      Map<String, String> directIds = new ConcurrentHashMap<>();
      Map<String, String> relayedIds = new ConcurrentHashMap<>();
      try (Cdp direct = Cdp.connect(bench.http, far.direct())
              .onEvent(m -> LargeMessages.remember(m, directIds));
          Cdp relayed = bench.relayed(far.target())
              .onEvent(m -> LargeMessages.remember(m, relayedIds))) {
        direct.send("Debugger.enable", null);
        relayed.send("Debugger.enable", null);
        String dParams = "{\"scriptId\":\"" + directIds.get("big20.js") + "\"}";
        String rParams = "{\"scriptId\":\"" + relayedIds.get("big20.js") + "\"}";
        Samples[] samples = alternate(bench.size(5, 2), direct, relayed,
            "Debugger.getScriptSource", dParams, rParams);
        bench.add(Result.latency("B12", "far: script source 20 MB", samples[0], samples[1],
            "relayed ≤ 1.1× direct", samples[1].p50() <= 1.1 * samples[0].p50(), note));
      }
    }
  }

  private static void snapshot(Bench bench, DelayProxy toRelay, NodeApp heap, String note)
      throws Exception {
    try (Far far = far(bench, toRelay, heap, "bench-far-heap");
        Cdp direct = Cdp.connect(bench.http, far.direct());
        Cdp relayed = bench.relayed(far.target())) {
      direct.send("HeapProfiler.enable", null);
      relayed.send("HeapProfiler.enable", null);
      String take = "{\"reportProgress\":false}";
      direct.send("HeapProfiler.takeHeapSnapshot", take); // the first snapshot is slower
      Samples[] samples = alternate(bench.size(3, 1), direct, relayed,
          "HeapProfiler.takeHeapSnapshot", take, take);
      bench.add(Result.latency("B12", "far: heap snapshot", samples[0], samples[1],
          "relayed ≤ 1.1× direct", samples[1].p50() <= 1.1 * samples[0].p50(), note));
    }
  }

  /** [direct, relayed] round trips; who goes first alternates. */
  private static Samples[] alternate(int rounds, Cdp direct, Cdp relayed, String method,
      String dParams, String rParams) {
    direct.send(method, dParams); // warm-up, and proof the command works
    relayed.send(method, rParams);
    Samples d = new Samples();
    Samples r = new Samples();
    for (int i = 0; i < rounds; i++) {
      if (i % 2 == 0) {
        d.add(direct.roundTrip(method, dParams));
        r.add(relayed.roundTrip(method, rParams));
      } else {
        r.add(relayed.roundTrip(method, rParams));
        d.add(direct.roundTrip(method, dParams));
      }
    }
    return new Samples[] {d, r};
  }

  static List<String> ids() {
    return List.of("B12");
  }
}
