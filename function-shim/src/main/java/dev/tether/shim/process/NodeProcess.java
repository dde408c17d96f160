package dev.tether.shim.process;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The wrapped function: a child process with the caller's stdin, stdout and stderr, and Node's
 * inspector on a free port of 127.0.0.1 that nothing outside this machine can reach.
 *
 * <p>Its exit code is what the shim exits with; the JDK already reports a death by signal N as
 * 128+N, like a shell does.
 */
public final class NodeProcess {
  private final Process process;
  private final int inspectorPort;
  private final CompletableFuture<Integer> exit;

  private NodeProcess(Process process, int inspectorPort) {
    this.process = process;
    this.inspectorPort = inspectorPort;
    this.exit = process.onExit().thenApply(Process::exitValue);
  }

  /** Starts {@code command} now; the shim connects to the relay only afterwards. */
  public static NodeProcess start(List<String> command) throws IOException {
    return start(command, false);
  }

  /** The same; {@code waitForDebugger} holds the script before its first line (see NodeCommand). */
  public static NodeProcess start(List<String> command, boolean waitForDebugger)
      throws IOException {
    return start(
        command, waitForDebugger ? NodeCommand.Inspector.WAIT : NodeCommand.Inspector.OPEN);
  }

  public static NodeProcess start(List<String> command, NodeCommand.Inspector inspector)
      throws IOException {
    return start(command, inspector, null);
  }

  /**
   * The same, keeping Tether out of the function: its environment has no {@code TETHER_*}
   * variable and nothing that holds {@code agentToken} ({@link FunctionEnvironment}).
   */
  public static NodeProcess start(
      List<String> command, NodeCommand.Inspector inspector, String agentToken)
      throws IOException {
    return start(command, inspector, agentToken, null);
  }

  /** The same; Node writes a diagnostic report into {@code reportDirectory} when it crashes. */
  public static NodeProcess start(
      List<String> command, NodeCommand.Inspector inspector, String agentToken,
      Path reportDirectory) throws IOException {
    FunctionEnvironment.checkCommand(command, agentToken);
    int port = freeLoopbackPort();
    NodeCommand node = NodeCommand.withInspector(
        command, port, System.getenv("NODE_OPTIONS"), inspector, reportDirectory);
    ProcessBuilder builder = new ProcessBuilder(node.argv()).inheritIO();
    Map<String, String> environment = builder.environment();
    Map<String, String> function = FunctionEnvironment.of(environment, agentToken);
    environment.clear();
    environment.putAll(function);
    if (node.nodeOptions() != null) {
      builder.environment().put("NODE_OPTIONS", node.nodeOptions());
    }
    return new NodeProcess(builder.start(), port);
  }

  public long pid() {
    return process.pid();
  }

  public int inspectorPort() {
    return inspectorPort;
  }

  /** {@code 127.0.0.1:<port>} of the inspector. */
  public String inspectorAddress() {
    return "127.0.0.1:" + inspectorPort;
  }

  /** Completes with the exit code (128+N after signal N). */
  public CompletableFuture<Integer> exit() {
    return exit;
  }

  /** Sends a signal by name ({@code TERM}, {@code INT}, {@code HUP}, …) to the child. */
  public void signal(String name) throws IOException {
    String signal = name.toUpperCase(Locale.ROOT).replaceFirst("^SIG", "");
    if (signal.equals("TERM")) {
      process.destroy();
      return;
    }
    // The JDK can only send TERM and KILL; kill(1) sends the rest.
    new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
        .inheritIO()
        .start();
  }

  /** Ends the child: TERM, then KILL if it is still there after {@code grace}. */
  public void stop(Duration grace) {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
