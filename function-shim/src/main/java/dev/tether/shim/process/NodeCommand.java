package dev.tether.shim.process;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The wrapped command with Node's inspector turned on at a private loopback port: the flags go
 * right after {@code node} when the command starts with it, and into {@code NODE_OPTIONS}
 * otherwise (a launcher script, {@code npm start}, …).
 *
 * <p>{@code --inspect-publish-uid=http} keeps the inspector's WebSocket URL off the function's
 * stderr; the shim learns it from {@code /json/list}. With {@code waitForDebugger}, {@code
 * --inspect-wait} holds the script before its first line until a client sends {@code
 * Runtime.runIfWaitingForDebugger}, which a debugger does once its breakpoints are set.
 *
 * @param argv what to execute
 * @param nodeOptions the {@code NODE_OPTIONS} to set, or null to leave the environment alone
 */
public record NodeCommand(List<String> argv, String nodeOptions) {
  private static final Pattern NODE = Pattern.compile("node(js)?[0-9.]*(\\.exe)?");

  public NodeCommand {
    argv = List.copyOf(argv);
  }

  /** {@code command} with the inspector on {@code 127.0.0.1:port}. */
  public static NodeCommand withInspector(
      List<String> command, int port, String inheritedNodeOptions) {
    return withInspector(command, port, inheritedNodeOptions, false);
  }

  /** How the wrapped node's inspector starts. */
  public enum Inspector {
    /** Open from the start. */
    OPEN,
    /** Open, and the script waits for a debugger before its first line. */
    WAIT,
    /** Closed; SIGUSR1 opens it on the given port when a session needs it. */
    ON_DEMAND
  }

  /** The same; {@code waitForDebugger} holds the script until a debugger releases it. */
  public static NodeCommand withInspector(
      List<String> command, int port, String inheritedNodeOptions, boolean waitForDebugger) {
    return withInspector(
        command, port, inheritedNodeOptions, waitForDebugger ? Inspector.WAIT : Inspector.OPEN);
  }

  public static NodeCommand withInspector(
      List<String> command, int port, String inheritedNodeOptions, Inspector inspector) {
    return withInspector(command, port, inheritedNodeOptions, inspector, null);
  }

  /**
   * The same; with a {@code reportDirectory}, Node also writes a diagnostic report there on an
   * uncaught exception or a fatal error (out of memory, …), which the shim sends to the relay.
   */
  public static NodeCommand withInspector(
      List<String> command, int port, String inheritedNodeOptions, Inspector inspector,
      Path reportDirectory) {
    if (command.isEmpty()) {
      throw new IllegalArgumentException("the command to wrap is empty");
    }
    List<String> flags = new ArrayList<>(flags(port, inspector));
    if (reportDirectory != null) {
      // A path with a space would split NODE_OPTIONS; the shim's own directories have none.
      flags.addAll(List.of("--report-uncaught-exception", "--report-on-fatalerror",
          "--report-compact", "--report-directory=" + reportDirectory));
    }
    if (isNode(command.get(0))) {
      List<String> argv = new ArrayList<>(command.size() + flags.size());
      argv.add(command.get(0));
      argv.addAll(flags);
      argv.addAll(command.subList(1, command.size()));
      return new NodeCommand(argv, null);
    }
    String own = String.join(" ", flags);
    String options =
        inheritedNodeOptions == null || inheritedNodeOptions.isBlank()
            ? own
            : inheritedNodeOptions + " " + own;
    return new NodeCommand(command, options);
  }

  public static boolean isNode(String program) {
    Path name = Path.of(program).getFileName();
    return name != null && NODE.matcher(name.toString()).matches();
  }

  private static List<String> flags(int port, Inspector inspector) {
    String inspect =
        switch (inspector) {
          case OPEN -> "--inspect=";
          case WAIT -> "--inspect-wait=";
          case ON_DEMAND -> "--inspect-port="; // where SIGUSR1 will open it; closed until then
        };
    return List.of(inspect + "127.0.0.1:" + port, "--inspect-publish-uid=http");
  }
}
