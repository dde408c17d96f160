package dev.tether.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * System calls a process makes during a phase, counted by {@code strace -f -c -p}: writes, reads,
 * {@code epoll_wait} and {@code futex} per round trip. Optional: without {@code strace} on the
 * PATH it says so and counts nothing. strace slows every call, so the counts of calls that
 * depend on timing (futex, an epoll_wait that finds nothing) are upper bounds.
 */
final class Syscalls implements AutoCloseable {
  private static final Set<String> WRITES = Set.of("write", "writev", "sendto", "sendmsg");
  private static final Set<String> READS = Set.of("read", "readv", "recvfrom", "recvmsg");
  private static final Set<String> POLLS = Set.of("epoll_wait", "epoll_pwait", "epoll_pwait2");

  private final Process strace;
  private final Path summary;

  private Syscalls(Process strace, Path summary) {
    this.strace = strace;
    this.summary = summary;
  }

  static boolean available() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "strace"))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Attaches to every thread of {@code pid}; returns once strace says it is attached, or null
   * when it could not attach (no permission to trace, say), having logged why.
   */
  static Syscalls attach(long pid, Path summary) throws Exception {
    Files.deleteIfExists(summary);
    Process strace = new ProcessBuilder("strace", "-f", "-c", "-o", summary.toString(), "-p",
        String.valueOf(pid)).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    BufferedReader err = new BufferedReader(
        new InputStreamReader(strace.getErrorStream(), StandardCharsets.UTF_8));
    // strace attaches to every thread of the process (-f) before it says "Process N attached".
    String line;
    while ((line = err.readLine()) != null && !line.contains("attached")) {
      Bench.log("strace: %s", line);
    }
    if (line == null) {
      strace.waitFor(10, TimeUnit.SECONDS);
      return null;
    }
    Thread drain = new Thread(() -> {
      try {
        while (err.readLine() != null) {
          // discard: only the summary file matters
        }
      } catch (IOException ignored) {
        // strace ended
      }
    }, "strace-" + pid);
    drain.setDaemon(true);
    drain.start();
    return new Syscalls(strace, summary);
  }

  /** Detaches (SIGTERM makes strace print its table) and returns calls by name. */
  Map<String, Long> stop() throws Exception {
    strace.destroy();
    strace.waitFor(30, TimeUnit.SECONDS);
    Map<String, Long> calls = new LinkedHashMap<>();
    List<String> lines = Files.exists(summary) ? Files.readAllLines(summary) : List.of();
    for (String line : lines) {
      String[] cols = line.trim().split("\\s+");
      if (cols.length < 5 || !Character.isDigit(cols[0].charAt(0)) || line.contains("total")) {
        continue;
      }
      calls.put(cols[cols.length - 1], Long.parseLong(cols[3]));
    }
    return calls;
  }

  /** "writes 2.0, reads 4.0, epoll_wait 1.5, futex 3.2 per round trip" of {@code calls}. */
  static String perRoundTrip(Map<String, Long> calls, long roundTrips) {
    return String.format(Locale.ROOT, "writes %.1f, reads %.1f, epoll_wait %.1f, futex %.1f",
        sum(calls, WRITES) / (double) roundTrips, sum(calls, READS) / (double) roundTrips,
        sum(calls, POLLS) / (double) roundTrips,
        calls.getOrDefault("futex", 0L) / (double) roundTrips);
  }

  private static long sum(Map<String, Long> calls, Set<String> names) {
    return calls.entrySet().stream().filter(e -> names.contains(e.getKey()))
        .mapToLong(Map.Entry::getValue).sum();
  }

  @Override
  public void close() {
    strace.destroy();
  }
}
