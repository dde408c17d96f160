package dev.tether.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** Starting the real relay, shim and node as processes, and reading their memory from outside. */
final class Processes {
  private Processes() {}

  /**
   * Copies a process' stream to {@code log} line by line and completes with the first value
   * {@code watch} finds in a line (null-returning lines are skipped), stamped with nanoTime.
   */
  static <T> CompletableFuture<Stamped<T>> pump(InputStream stream, Path log, Function<String, T> watch) {
    CompletableFuture<Stamped<T>> found = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8));
          var out = Files.newBufferedWriter(log, StandardCharsets.UTF_8,
              java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND)) {
        String line;
        while ((line = in.readLine()) != null) {
          if (!found.isDone()) {
            T value = watch.apply(line);
            if (value != null) {
              found.complete(new Stamped<>(value, System.nanoTime()));
            }
          }
          out.write(line);
          out.newLine();
          out.flush();
        }
      } catch (IOException e) {
        found.completeExceptionally(e);
      }
      found.completeExceptionally(new IllegalStateException("the process ended; see " + log));
    }, "pump-" + log.getFileName());
    t.setDaemon(true);
    t.start();
    return found;
  }

  /** A value and when it was seen. */
  record Stamped<T>(T value, long nanos) {}

  static Process start(List<String> command, Path dir) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.environment().remove("TETHER_LOG_FORMAT");
    return builder.start();
  }

  /** Resident set size in bytes, from /proc. */
  static long rssBytes(long pid) {
    return procStatus(pid, "VmRSS:");
  }

  /** Peak resident set size in bytes, from /proc. */
  static long peakRssBytes(long pid) {
    return procStatus(pid, "VmHWM:");
  }

  private static long procStatus(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/" + pid + "/status", e);
    }
    throw new IllegalStateException("no " + field + " for pid " + pid);
  }

  /**
   * CPU time the live threads of {@code pid} have run so far, in nanoseconds: [0] the JIT's
   * compiler threads, [1] the garbage collector's and the VM's own, [2] the relay's audit writer
   * (it seals each batch with a signature), [3] every other thread (what the program does). From the first field of each {@code /proc/<pid>/task/<tid>/schedstat}, the
   * scheduler's own count (not ticks), so time spent waiting for a core does not count.
   */
  static long[] cpuNanos(long pid) {
    long[] total = new long[4];
    try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (Path task : tasks.toList()) {
        try {
          String stat = Files.readString(task.resolve("schedstat"));
          String name = Files.readString(task.resolve("comm")).trim();
          int kind = name.startsWith("C1 ") || name.startsWith("C2 ") ? 0
              : name.startsWith("GC ") || name.startsWith("G1 ") || name.startsWith("VM ") ? 1
              : name.equals("audit-writer") ? 2 : 3;
          total[kind] += Long.parseLong(stat.substring(0, stat.indexOf(' ')));
        } catch (IOException e) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/" + pid + "/task", e);
    }
    return total;
  }

  /**
   * Live heap bytes of a JVM after a full collection: {@code jcmd GC.class_histogram} collects
   * first, then sums every live object.
   */
  static long liveHeapBytes(long pid) {
    try {
      Process jcmd = new ProcessBuilder(jcmd(), String.valueOf(pid), "GC.class_histogram")
          .redirectErrorStream(true).start();
      String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      jcmd.waitFor(60, TimeUnit.SECONDS);
      for (String line : out.split("\n")) {
        if (line.trim().startsWith("Total")) {
          String[] parts = line.trim().split("\\s+");
          return Long.parseLong(parts[2]);
        }
      }
      throw new IllegalStateException("jcmd printed no total: " + out.lines().limit(3).toList());
    } catch (IOException e) {
      throw new IllegalStateException("jcmd failed; it ships with the JDK", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String jcmd() {
    Path beside = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    return Files.isExecutable(beside) ? beside.toString() : "jcmd";
  }

  static void stop(Process process) {
    if (process == null || !process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@code kill -9}: the process gets no chance to say goodbye to anyone. */
  static void kill(long pid) {
    ProcessHandle.of(pid).ifPresent(handle -> {
      handle.destroyForcibly();
      handle.onExit().orTimeout(10, TimeUnit.SECONDS).join();
    });
  }

  /** A port free right now on loopback (for a process that must be told its port up front). */
  static int freePort() throws IOException {
    try (java.net.ServerSocket socket =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
