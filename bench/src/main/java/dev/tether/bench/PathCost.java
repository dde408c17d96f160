package dev.tether.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * What one path (direct, relayed, the floor) costs per message, counted rather than timed: CPU
 * time of each process over a run of round trips alone on that path, and, when strace is there,
 * the system calls of the hops in between (B2's notes; BENCHMARKS.md, "What limits B2/B3/B4").
 */
final class PathCost {
  private PathCost() {}

  /** CPU per round trip of each of {@code pids} over {@code rounds} round trips on {@code client}. */
  static CpuUse roundTrips(Cdp client, int rounds, Map<String, Long> pids) throws Exception {
    CpuUse cpu = new CpuUse(pids);
    cpu.during(rounds, () -> {
      for (int i = 0; i < rounds; i++) {
        client.roundTrip("Runtime.evaluate", Latency.EVAL);
      }
      return null;
    });
    return cpu;
  }

  /**
   * System calls per round trip of each of {@code hops} (name → pid) over {@code rounds} round
   * trips one at a time, e.g. "syscalls/round trip relay: writes 2.0, …; shim: …".
   */
  static String syscalls(Bench bench, Cdp client, int rounds, Map<String, Long> hops)
      throws Exception {
    return syscalls(bench, rounds, hops, () -> {
      for (int i = 0; i < rounds; i++) {
        client.roundTrip("Runtime.evaluate", Latency.EVAL);
      }
    });
  }

  /** The same over any {@code phase} that passes {@code rounds} round trips. */
  static String syscalls(Bench bench, int rounds, Map<String, Long> hops, Runnable phase)
      throws Exception {
    if (!Syscalls.available()) {
      return "syscalls not counted: strace is not installed";
    }
    StringJoiner out = new StringJoiner("; ", "syscalls/round trip (strace) ", "");
    Map<String, Syscalls> traces = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, Long> hop : hops.entrySet()) {
        Syscalls trace = Syscalls.attach(hop.getValue(),
            bench.work.resolve("strace-" + hop.getKey().replace(' ', '-') + ".txt"));
        if (trace == null) {
          return "syscalls not counted: strace could not attach to the " + hop.getKey();
        }
        traces.put(hop.getKey(), trace);
      }
      phase.run();
      for (Map.Entry<String, Syscalls> trace : traces.entrySet()) {
        out.add(trace.getKey() + ": " + Syscalls.perRoundTrip(trace.getValue().stop(), rounds));
      }
    } finally {
      traces.values().forEach(Syscalls::close);
    }
    return out.toString();
  }
}
