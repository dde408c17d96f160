package dev.tether.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * B13's simulated shims spread over child JVMs ({@link FakeShimsMain}), driven over their stdin
 * and stdout: each child holds its own slice of the sockets, so the fleet is not bounded by one
 * process's open-file limit. A child whose stdin closes exits, so children never outlive the
 * bench, even one killed with {@code kill -9}; {@link #close} also stops them.
 */
final class ShimFleet implements AutoCloseable {
  private static final String EOF = "\0eof";
  private final List<Child> children = new ArrayList<>();

  /** One child process: its stdin and the lines of its stdout. */
  private record Child(int index, Process process, Writer in, BlockingQueue<String> out) {
    void send(String line) throws IOException {
      in.write(line);
      in.write('\n');
      in.flush();
    }

    String next(long deadline) throws InterruptedException {
      String line = out.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (line == null) {
        throw new IllegalStateException("shim child " + index + " said nothing in time");
      }
      if (line.equals(EOF)) {
        throw new IllegalStateException("shim child " + index + " ended; see its b13-shims-"
            + index + ".log");
      }
      return line;
    }
  }

  /** What one {@link #connect} did over every child. */
  record Outcome(int connected, int retried, Samples tcp, Samples upgrade, Samples welcome) {
    /** Where a handshake's time went, p50/p99 in ms. */
    String phases() {
      return String.format("per handshake p50/p99: TCP connect %.1f/%.1f ms, WebSocket upgrade"
          + " (token check) %.1f/%.1f ms, hello to welcome %.1f/%.1f ms",
          tcp.p50() / 1e6, tcp.p99() / 1e6, upgrade.p50() / 1e6, upgrade.p99() / 1e6,
          welcome.p50() / 1e6, welcome.p99() / 1e6);
    }
  }

  private ShimFleet() {}

  /**
   * Starts {@code count} children, each keeping at most {@code inFlight} handshakes under way,
   * with its open-file limit raised to the hard limit first (as {@code ./tether bench} does for
   * itself).
   */
  static ShimFleet start(int count, int inFlight, String function, Path work) throws Exception {
    ShimFleet fleet = new ShimFleet();
    try {
      for (int i = 0; i < count; i++) {
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c",
            "ulimit -n \"$(ulimit -Hn)\" 2>/dev/null; exec \"$0\" \"$@\"",
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx512m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
            FakeShimsMain.class.getName(), String.valueOf(inFlight), function));
        Process process = Processes.start(command, work);
        Processes.pump(process.getErrorStream(), work.resolve("b13-shims-" + i + ".log"),
            line -> null);
        Child child = new Child(i, process, new OutputStreamWriter(process.getOutputStream(),
            StandardCharsets.UTF_8), lines(process, i));
        fleet.children.add(child);
        String ready = child.next(System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
        if (!ready.startsWith("ready")) {
          throw new IllegalStateException("shim child " + i + " said " + ready);
        }
      }
    } catch (Exception e) {
      fleet.close();
      throw e;
    }
    return fleet;
  }

  private static BlockingQueue<String> lines(Process process, int index) {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread t = new Thread(() -> {
      try (BufferedReader out = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = out.readLine()) != null; ) {
          lines.add(line);
        }
      } catch (IOException e) {
        // the child went away: EOF below says so
      }
      lines.add(EOF);
    }, "b13-shims-" + index);
    t.setDaemon(true);
    t.start();
    return lines;
  }

  int size() {
    return children.size();
  }

  /** Tells every child where target {@code index} is and which agent token it takes. */
  void relay(int index, URI agentUri, String token) throws IOException {
    for (Child child : children) {
      child.send("relay " + index + " " + agentUri + " " + token);
    }
  }

  /**
   * Child {@code i} connects {@code slices.get(i)} round-robin over {@code targets}, all children
   * at once; returns when every child is done (throws when one could not connect all of its own).
   */
  Outcome connect(List<Integer> targets, List<List<String>> slices) throws Exception {
    String to = String.join(",", targets.stream().map(String::valueOf).toList());
    for (int i = 0; i < children.size(); i++) {
      if (!slices.get(i).isEmpty()) {
        children.get(i).send("connect " + to + " " + String.join(",", slices.get(i)));
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1_800);
    int connected = 0;
    int retried = 0;
    Samples tcp = new Samples();
    Samples upgrade = new Samples();
    Samples welcome = new Samples();
    for (int i = 0; i < children.size(); i++) {
      if (slices.get(i).isEmpty()) {
        continue;
      }
      Child child = children.get(i);
      while (true) {
        String[] line = child.next(deadline).split(" ");
        switch (line[0]) {
          case "progress" -> Bench.log("B13: shim child %d: %s welcomed", i, line[1]);
          case "phase" -> {
            Samples into = switch (line[1]) {
              case "tcp" -> tcp;
              case "upgrade" -> upgrade;
              default -> welcome;
            };
            for (int v = 2; v < line.length; v++) {
              into.add(Long.parseLong(line[v]));
            }
          }
          case "done" -> {
            connected += Integer.parseInt(line[1]);
            retried += Integer.parseInt(line[2]);
          }
          case "failed" -> throw new IllegalStateException(line[1] + " agents of shim child " + i
              + " could not register in 5 rounds (" + line[2] + " handshakes retried)");
          default -> Bench.log("B13: shim child %d said %s", i, String.join(" ", line));
        }
        if (line[0].equals("done")) {
          break;
        }
      }
    }
    return new Outcome(connected, retried, tcp, upgrade, welcome);
  }

  /** Closes every child's stdin (it exits), then stops whichever has not. */
  @Override
  public void close() {
    for (Child child : children) {
      try {
        child.send("exit");
        child.in().close();
      } catch (IOException e) {
        // already gone
      }
    }
    for (Child child : children) {
      try {
        if (!child.process().waitFor(5, TimeUnit.SECONDS)) {
          Processes.stop(child.process());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        child.process().destroyForcibly();
      }
    }
  }
}
