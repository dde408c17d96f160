package dev.tether.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the kernel saw of one process (all its threads) while {@code strace -f} was attached:
 * thread wake-ups and hand-offs (futex waits and wakes), selector wake-ups ({@code epoll_wait}
 * returning events, and the eventfd writes with which one thread wakes another's selector), and
 * socket writes and reads. These counts do not depend on the machine's load, where times do.
 * Used only when {@code /usr/bin/strace} is installed and {@code -Dtether.bench.strace=true}
 * (strace is not part of CI); strace slows every system call, so no time is taken meanwhile.
 */
final class StraceTrace implements AutoCloseable {
  private static final Path STRACE = Path.of("/usr/bin/strace");
  private static final Pattern CALL =
      Pattern.compile("^(\\d+)\\s+(\\d+\\.\\d+)\\s+([a-z_0-9]+)\\((.*)$");
  private static final Pattern RETURNED = Pattern.compile("\\d+");
  private static final Pattern RESUMED =
      Pattern.compile("^(\\d+)\\s+(\\d+\\.\\d+)\\s+<\\.\\.\\. [a-z_0-9]+ resumed>.*\\) = (.*)$");

  /** Counts of one window; see {@link #count} for what each means. */
  record Counts(long[] n) {
    private static final String[] NAMES = {"threads woken (futex)", "parks (futex wait)",
        "selector wake-ups (epoll_wait)", "eventfd wake-ups", "socket writes", "socket reads",
        "epoll_ctl", "file writes"};

    Counts minus(Counts other, double scale) {
      long[] left = new long[n.length];
      for (int i = 0; i < n.length; i++) {
        left[i] = Math.max(0, Math.round(n[i] - other.n[i] * scale));
      }
      return new Counts(left);
    }

    /** Per round trip, one decimal: "threads woken (futex) 2.0, …". */
    String per(int roundTrips) {
      StringBuilder out = new StringBuilder();
      for (int i = 0; i < n.length; i++) {
        out.append(i == 0 ? "" : ", ").append(NAMES[i]).append(' ')
            .append(String.format("%.1f", (double) n[i] / roundTrips));
      }
      return out.toString();
    }
  }

  private final Process strace;
  private final Path log;

  private StraceTrace(Process strace, Path log) {
    this.strace = strace;
    this.log = log;
  }

  static boolean enabled() {
    return Boolean.getBoolean("tether.bench.strace") && Files.isExecutable(STRACE);
  }

  /** Attaches to every thread of {@code pid}; returns once strace traces them. */
  static StraceTrace attach(long pid, Path log) throws Exception {
    Files.deleteIfExists(log);
    Process strace = new ProcessBuilder(STRACE.toString(), "-f", "-y", "-ttt", "-s", "8", "-o",
        log.toString(), "-e", "trace=futex,epoll_wait,epoll_pwait,epoll_ctl,read,write,writev,"
            + "readv,sendto,recvfrom,sendmsg,recvmsg", "-p", String.valueOf(pid))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    BufferedReader errors = new BufferedReader(
        new InputStreamReader(strace.getErrorStream(), StandardCharsets.UTF_8));
    String line = errors.readLine(); // "strace: Process N attached" once per thread
    if (line == null || !line.contains("attached")) {
      strace.destroy();
      throw new IllegalStateException("strace could not attach to " + pid + ": " + line);
    }
    Thread drain = new Thread(() -> {
      try {
        while (errors.readLine() != null) {
          // strace names each thread it attaches to; nothing to keep
        }
      } catch (IOException e) {
        // strace ended
      }
    }, "strace-" + pid);
    drain.setDaemon(true);
    drain.start();
    Thread.sleep(1000); // strace attaches to the other threads in this time; not a test wait
    return new StraceTrace(strace, log);
  }

  /** Detaches (the process runs on untraced) and waits until strace wrote everything. */
  @Override
  public void close() throws InterruptedException {
    strace.destroy();
    strace.waitFor(30, TimeUnit.SECONDS);
  }

  /** The calls made from {@code fromMillis} to {@code toMillis} (wall clock) by every thread. */
  Counts between(long fromMillis, long toMillis) throws IOException {
    long[] n = new long[Counts.NAMES.length];
    Map<String, String> unfinished = new HashMap<>(); // thread → "name(args" of a call it began
    for (String line : Files.readAllLines(log, StandardCharsets.ISO_8859_1)) {
      Matcher resumed = RESUMED.matcher(line);
      if (resumed.matches()) {
        String begun = unfinished.remove(resumed.group(1));
        double at = Double.parseDouble(resumed.group(2)) * 1000;
        if (begun != null && at >= fromMillis && at < toMillis) {
          count(n, begun, resumed.group(3));
        }
        continue;
      }
      Matcher m = CALL.matcher(line);
      if (!m.matches()) {
        continue;
      }
      double at = Double.parseDouble(m.group(2)) * 1000;
      String call = m.group(3) + "(" + m.group(4);
      int open = call.lastIndexOf(" <unfinished ...>");
      if (open >= 0) {
        unfinished.put(m.group(1), call.substring(0, open));
      } else if (at >= fromMillis && at < toMillis) {
        int eq = call.lastIndexOf(" = ");
        count(n, eq < 0 ? call : call.substring(0, eq), eq < 0 ? "" : call.substring(eq + 3));
      }
    }
    return new Counts(n);
  }

  /**
   * One finished call, counted by what it did: a futex wake that woke a thread (a hand-off), a
   * futex wait (a thread parked), an epoll_wait that returned events (a selector woke), an eventfd
   * write (one thread waking another's selector), socket writes and reads, epoll_ctl, and writes
   * to files (the audit trail's batches, which follow time rather than round trips).
   */
  private static void count(long[] n, String call, String result) {
    String name = call.substring(0, call.indexOf('('));
    Matcher number = RETURNED.matcher(result);
    long returned = number.lookingAt() ? Long.parseLong(number.group()) : -1;
    switch (name) {
      case "futex" -> {
        if (call.contains("FUTEX_WAKE") && returned > 0) {
          n[0]++;
        } else if (call.contains("FUTEX_WAIT")) {
          n[1]++;
        }
      }
      case "epoll_wait", "epoll_pwait" -> {
        if (returned > 0) {
          n[2]++;
        }
      }
      case "write", "writev", "sendto", "sendmsg" -> {
        if (call.contains("eventfd")) {
          n[3]++;
        } else {
          n[call.contains("<socket:") || call.contains("<TCP") ? 4 : 7]++;
        }
      }
      case "read", "readv", "recvfrom", "recvmsg" -> {
        if (call.contains("<socket:") || call.contains("<TCP")) {
          n[5]++;
        }
      }
      case "epoll_ctl" -> n[6]++;
      default -> { }
    }
  }

}
