package dev.tether.shim.process;

import dev.tether.protocol.Target;
import dev.tether.shim.inspector.InspectorDirectory;
import dev.tether.shim.inspector.InspectorSnapshot;
import dev.tether.shim.inspector.InspectorTarget;
import java.io.IOException;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * Opens the inspector of a running Node.js process only when a session needs it, with SIGUSR1,
 * and finds out where it listens: the loopback listening socket that belongs to that process and
 * was not there before the signal. Nothing is guessed: a port held by another process (Node then
 * prints "Starting inspector on … failed: address already in use" on its own stderr) is reported
 * as such, never connected to.
 *
 * <p>It signals only a process that handles SIGUSR1 (its {@code SigCgt} mask says so): to a
 * process that does not (not Node, or Node still starting) SIGUSR1 would be fatal. Linux only.
 */
public final class OnDemandInspector {
  private static final int SIGUSR1_BIT = 1 << (10 - 1);
  private static final Duration PATIENCE = Duration.ofSeconds(5);
  private static final Duration POLL = Duration.ofMillis(20);

  private final long pid;
  private final Integer expectedPort;
  private String open;

  /**
   * @param pid the Node.js process
   * @param expectedPort the port it was told to use ({@code --inspect-port}), or null when unknown
   */
  public OnDemandInspector(long pid, Integer expectedPort) {
    this.pid = pid;
    this.expectedPort = expectedPort;
  }

  /**
   * For a process the shim did not start: the port comes from its {@code --inspect-port} (or
   * {@code --debug-port}) in its command line or {@code NODE_OPTIONS}, else Node's 9229.
   */
  public static OnDemandInspector of(long pid) {
    return new OnDemandInspector(pid, configuredPort(pid));
  }

  static int configuredPort(long pid) {
    Integer port = null;
    try {
      String environ = Files.readString(Path.of("/proc/" + pid + "/environ"));
      for (String variable : environ.split("\0")) {
        if (variable.startsWith("NODE_OPTIONS=")) {
          port = portFlag(List.of(variable.substring(13).split("\\s+")), port);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not readable: the command line may still say it
    }
    try {
      String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline"));
      port = portFlag(List.of(cmdline.split("\0")), port);
    } catch (IOException | RuntimeException e) {
      // gone: open() says so
    }
    return port == null ? 9229 : port;
  }

  private static Integer portFlag(List<String> args, Integer fallback) {
    Integer port = fallback;
    for (String arg : args) {
      for (String flag : List.of("--inspect-port=", "--debug-port=")) {
        if (arg.startsWith(flag)) {
          String value = arg.substring(flag.length());
          try {
            port = Integer.parseInt(value.substring(value.lastIndexOf(':') + 1));
          } catch (NumberFormatException e) {
            // not a port; Node would refuse it too
          }
        }
      }
    }
    return port;
  }

  public long pid() {
    return pid;
  }

  /**
   * {@code 127.0.0.1:port} of the inspector, opening it first when it is closed; runs on the
   * caller's thread (it polls for up to 5 s) and fails with a message that says what to do.
   */
  public synchronized String open() {
    if (open != null && listeningPorts().contains(port(open))) {
      return open;
    }
    Set<Integer> before = listeningPorts();
    if (expectedPort != null && before.contains(expectedPort)) {
      return open = "127.0.0.1:" + expectedPort;
    }
    if (expectedPort != null && expectedPort != 0 && heldByAnother(expectedPort)) {
      throw new IllegalStateException(portInUse(expectedPort));
    }
    requireHandlesSigusr1();
    signal();
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (System.nanoTime() < deadline) {
      Set<Integer> added = listeningPorts();
      added.removeAll(before);
      if (!added.isEmpty()) {
        int port = expectedPort != null && added.contains(expectedPort)
            ? expectedPort : added.iterator().next();
        return open = "127.0.0.1:" + port;
      }
      if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        throw new IllegalStateException("node pid " + pid + " exited");
      }
      sleep();
    }
    if (expectedPort != null && heldByAnother(expectedPort)) {
      throw new IllegalStateException(portInUse(expectedPort));
    }
    throw new IllegalStateException(
        "node pid " + pid + " did not open its inspector within " + PATIENCE.toSeconds() + "s"
            + (expectedPort == null ? "" : " on port " + expectedPort)
            + "; its stderr says why");
  }

  // Fits a close frame's 123 bytes: it is the reason DevTools shows.
  private String portInUse(int port) {
    return "node pid " + pid + " cannot open its inspector: port " + port + " is in use by another"
        + " process; free it or use --inspect-port";
  }

  /** True when something other than this process listens on {@code port} of loopback. */
  private boolean heldByAnother(int port) {
    Set<String> ours = socketInodes();
    for (String[] listener : listeners()) {
      if (hexPort(listener[1]) == port && !ours.contains(listener[9])) {
        return true;
      }
    }
    return false;
  }

  /** The loopback ports this process listens on now. */
  Set<Integer> listeningPorts() {
    Set<String> inodes = socketInodes();
    Set<Integer> ports = new HashSet<>();
    for (String[] listener : listeners()) {
      if (inodes.contains(listener[9])) {
        ports.add(hexPort(listener[1]));
      }
    }
    return ports;
  }

  /** The loopback listening sockets in this process's network namespace (/proc/net/tcp fields). */
  private List<String[]> listeners() {
    List<String[]> found = new ArrayList<>();
    for (String table : List.of("tcp", "tcp6")) {
      List<String> lines;
      try {
        lines = Files.readAllLines(Path.of("/proc/" + pid + "/net/" + table));
      } catch (IOException e) {
        continue;
      }
      for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 9 && f[3].equals("0A") && loopback(f[1])) {
          found.add(f);
        }
      }
    }
    return found;
  }

  private Set<String> socketInodes() {
    Set<String> inodes = new HashSet<>();
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/fd"))) {
      for (Path fd : fds) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring(8, target.length() - 1));
          }
        } catch (IOException gone) {
          // closed meanwhile
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot see the sockets of pid " + pid + " (" + e.getMessage() + "); run the shim as the"
              + " same user as the function", e);
    }
    return inodes;
  }

  private void requireHandlesSigusr1() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("SigCgt:")) {
          long caught = Long.parseLong(line.substring(7).trim(), 16);
          if ((caught & SIGUSR1_BIT) == 0) {
            throw new IllegalStateException(
                "pid " + pid + " does not handle SIGUSR1, so the shim will not send it (it would"
                    + " end the process): is it Node.js, and started without --inspect-port=0"
                    + " or --disable-sigusr1?");
          }
          return;
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("no process " + pid + " (" + e.getMessage() + ")", e);
    }
  }

  private void signal() {
    try {
      // The sh builtin: a function image may have /bin/sh but no kill binary.
      Process kill = new ProcessBuilder("/bin/sh", "-c", "kill -USR1 " + pid).inheritIO().start();
      if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("could not send SIGUSR1 to pid " + pid);
      }
    } catch (IOException e) {
      throw new IllegalStateException("could not send SIGUSR1 to pid " + pid + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CompletionException(e);
    }
  }

  /** {@code 0100007F:2405} or the IPv6 form: true for 127.0.0.0/8 and ::1 (and v4-mapped). */
  private static boolean loopback(String hexAddress) {
    String address = hexAddress.substring(0, hexAddress.indexOf(':'));
    if (address.length() == 8) {
      return address.endsWith("7F");
    }
    return address.equals("00000000000000000000000001000000")
        || (address.startsWith("0000000000000000FFFF0000") && address.endsWith("7F"));
  }

  /** The port of {@code 127.0.0.1:9229}. */
  private static int port(String hostPort) {
    return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
  }

  /** The port of a /proc/net/tcp address, {@code 0100007F:2405}. */
  private static int hexPort(String address) {
    return Integer.parseInt(address.substring(address.indexOf(':') + 1), 16);
  }

  private static void sleep() {
    try {
      Thread.sleep(POLL.toMillis()); // polling /proc for a socket that is about to appear
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CompletionException(e);
    }
  }

  /**
   * What the relay is told before the inspector is open: one target standing for the process,
   * which a session's open turns into the real one.
   */
  public InspectorSnapshot placeholder() {
    Target target =
        new Target("node-" + pid, "node",
            "node pid " + pid + " (inspector opens on demand)", "");
    return new InspectorSnapshot("node (inspector on demand)",
        List.of(new InspectorTarget(
            target, URI.create("ws://127.0.0.1:0/on-demand"))));
  }

  /** The WebSocket URL of the process's first target, opening its inspector first if needed. */
  public CompletableFuture<URI> firstTarget() {
    return openAsync()
        .thenCompose(address -> new InspectorDirectory(address)
            .fetch(Duration.ofSeconds(3)))
        .thenApply(snapshot -> {
          if (snapshot.targets().isEmpty()) {
            throw new IllegalStateException("node pid " + pid + " opened its inspector but lists"
                + " no target");
          }
          return snapshot.targets().get(0).webSocketUrl();
        });
  }

  /** Runs {@link #open} off the event loop. */
  public CompletableFuture<String> openAsync() {
    return CompletableFuture.supplyAsync(this::open);
  }
}
