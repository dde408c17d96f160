package dev.tether.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * CPU time per message of each process on a path, read from {@code /proc/<pid>/stat} (utime +
 * stime, all threads, in clock ticks of 10 ms) before and after a phase: what the load does not
 * stretch, so it can be compared across runs on a busy machine.
 */
final class CpuUse {
  private static final long MICROS_PER_TICK = 10_000; // USER_HZ is 100 on Linux

  private final Map<String, Long> pids;
  private final Map<String, Long> micros = new LinkedHashMap<>();
  private long messages;

  /** {@code pids}: name → pid, in the order the note lists them; "client" is this JVM. */
  CpuUse(Map<String, Long> pids) {
    this.pids = pids;
    pids.keySet().forEach(name -> micros.put(name, 0L));
  }

  static Map<String, Long> of(Object... namesAndPids) {
    Map<String, Long> pids = new LinkedHashMap<>();
    for (int i = 0; i < namesAndPids.length; i += 2) {
      pids.put((String) namesAndPids[i], ((Number) namesAndPids[i + 1]).longValue());
    }
    pids.put("client", ProcessHandle.current().pid());
    return pids;
  }

  interface Phase<T> {
    T run() throws Exception;
  }

  /** Runs {@code phase}, which passes {@code count} messages, and adds what it cost. */
  <T> T during(long count, Phase<T> phase) throws Exception {
    Map<String, Long> before = read();
    T result = phase.run();
    Map<String, Long> after = read();
    after.forEach((name, value) -> micros.merge(name, value - before.get(name), Long::sum));
    messages += count;
    return result;
  }

  /** E.g. "CPU µs/msg node 31, relay 52, shim 40, client 45 = 168". */
  String note() {
    StringJoiner parts = new StringJoiner(", ", "CPU µs/msg ", "");
    long total = 0;
    for (Map.Entry<String, Long> entry : micros.entrySet()) {
      parts.add(entry.getKey() + " " + perMessage(entry.getValue()));
      total += entry.getValue();
    }
    return parts + " = " + perMessage(total);
  }

  /** CPU µs per message of one process, or of all of them ("total"). */
  double perMessage(String name) {
    long value = "total".equals(name)
        ? micros.values().stream().mapToLong(Long::longValue).sum() : micros.get(name);
    return messages == 0 ? Double.NaN : (double) value / messages;
  }

  private String perMessage(long value) {
    return messages == 0 ? "?" : String.format(Locale.ROOT, "%.0f", (double) value / messages);
  }

  private Map<String, Long> read() {
    Map<String, Long> now = new LinkedHashMap<>();
    pids.forEach((name, pid) -> now.put(name, cpuMicros(pid)));
    return now;
  }

  /** utime + stime of every thread of {@code pid}, live or ended, in µs. */
  static long cpuMicros(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      // The command name (field 2) may hold spaces; the fields after its ')' are fixed.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * MICROS_PER_TICK;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/" + pid + "/stat", e);
    }
  }
}
