package dev.tether.shim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code tether shim}'s command line, with the {@code TETHER_*} environment variables as
 * fallbacks, into a {@link ShimConfig}.
 */
public final class ShimArguments {
  public static final String USAGE =
      """
      usage: tether shim --relay URL --token T --function NAME [--instance ID] -- node file.js [args]
             tether shim --relay URL --token T --function NAME [--instance ID] --inspector HOST:PORT
             tether shim --relay URL --token T --function NAME [--instance ID] --pid N

      Wraps a Node.js function (or attaches to a running inspector) and tethers it to a Tether relay
      so developers can debug it with Chrome DevTools.

        --relay URL[,URL...] the relay (ws, wss, http or https; /agent is appended);  TETHER_RELAY_URL
                             several, comma-separated: a cluster's nodes, tried in turn
        --token T            the agent token; prefer the environment variable        TETHER_AGENT_TOKEN
        --function NAME      the function's name, as granted in the token             TETHER_FUNCTION
        --instance ID        this instance's id (default: <hostname>-<pid>-<random>)   TETHER_INSTANCE
        --inspector H:P      attach to the inspector at H:P instead of wrapping a command
        --pid N              tether the running node process N; its inspector stays closed
                             until a session needs it, then SIGUSR1 opens it
        --inspect-on-demand  wrap mode: start node with its inspector closed, open it (SIGUSR1)
                             only when a session needs it
        --wait-for-debugger[=TIMEOUT]
                             hold the function before its first line until a debugger attaches
                             and starts it; after TIMEOUT (default 60s; e.g. 500ms, 30s, 5m) it
                             runs without one
        --hold-for-function-sessions[=TIMEOUT]
                             start the function held before its first line; the relay says at
                             once whether a function session is attached: if not, it runs; if
                             so, it runs when that window starts it, at most TIMEOUT (default
                             10s) after the start
        -- COMMAND...        wrap COMMAND; its stdin, stdout, stderr, signals and exit code pass through

      COMMAND starts without any TETHER_* variable and without any variable holding the agent
      token, so code run in the function (by it, or by anyone debugging it) cannot read them.
      --pid and --inspector cannot change a running process's environment: start it without them.
      """;

  private ShimArguments() {}

  /** True when the user asked for help (before any {@code --}). */
  public static boolean wantsHelp(String[] args) {
    for (String arg : args) {
      if (arg.equals("--")) {
        return false;
      }
      if (arg.equals("-h") || arg.equals("--help")) {
        return true;
      }
    }
    return false;
  }

  /** How long {@code --hold-for-function-sessions} without a value may hold the function. */
  public static final Duration DEFAULT_FUNCTION_SESSION_HOLD = Duration.ofSeconds(10);

  /** How long {@code --wait-for-debugger} without a value holds the function. */
  public static final Duration DEFAULT_DEBUGGER_WAIT = Duration.ofSeconds(60);

  public static ShimConfig parse(String[] args, Map<String, String> env) throws UsageException {
    String relay = env.get("TETHER_RELAY_URL");
    String token = env.get("TETHER_AGENT_TOKEN");
    String function = env.get("TETHER_FUNCTION");
    String instance = env.get("TETHER_INSTANCE");
    String inspector = null;
    Duration waitForDebugger = null;
    Duration holdForFunctionSessions = null;
    Long pid = null;
    boolean inspectOnDemand = false;
    List<String> command = List.of();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--")) {
        command = new ArrayList<>(Arrays.asList(args).subList(i + 1, args.length));
        if (command.isEmpty()) {
          throw new UsageException("nothing after --: give the function's command, e.g. -- node server.js");
        }
        break;
      }
      if (!arg.startsWith("--")) {
        throw new UsageException(
            "unexpected argument '" + arg + "': put the function's command after --,"
                + " e.g. tether shim --relay URL --function NAME -- node server.js");
      }
      int eq = arg.indexOf('=');
      String name = eq < 0 ? arg : arg.substring(0, eq);
      String value;
      if (eq >= 0) {
        value = arg.substring(eq + 1);
      } else if (name.equals("--wait-for-debugger") || name.equals("--inspect-on-demand")
          || name.equals("--hold-for-function-sessions")) {
        value = null; // its timeout only ever comes with '=', so it never swallows an argument
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        value = args[++i];
      } else {
        value = null;
      }
      switch (name) {
        case "--relay" -> relay = required(name, value, "URL");
        case "--token" -> token = required(name, value, "TOKEN");
        case "--function" -> function = required(name, value, "NAME");
        case "--instance" -> instance = required(name, value, "ID");
        case "--inspector" -> inspector = required(name, value, "HOST:PORT");
        case "--pid" -> pid = number(name, required(name, value, "N"));
        case "--inspect-on-demand" -> {
          if (value != null) {
            throw new UsageException("--inspect-on-demand takes no value");
          }
          inspectOnDemand = true;
        }
        case "--wait-for-debugger" ->
            waitForDebugger = value == null ? DEFAULT_DEBUGGER_WAIT : duration(name, value);
        case "--hold-for-function-sessions" -> holdForFunctionSessions =
            value == null ? DEFAULT_FUNCTION_SESSION_HOLD : duration(name, value);
        default -> throw new UsageException(
            "unknown option " + name + "; see tether shim --help");
      }
    }
    try {
      return new ShimConfig(
          ShimConfig.parseUrl(relay), token, function, instance, command, inspector, null, null,
          waitForDebugger, pid, inspectOnDemand, holdForFunctionSessions);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }

  private static long number(String name, String value) throws UsageException {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new UsageException(name + " wants a process id, was '" + value + "'");
    }
  }

  /** {@code 500ms}, {@code 30s}, {@code 5m}. */
  static Duration duration(String name, String value) throws UsageException {
    Matcher m = Pattern.compile("(\\d{1,9})(ms|s|m)").matcher(value);
    if (!m.matches()) {
      throw new UsageException(name + " wants a time like 500ms, 30s or 5m, was '" + value + "'");
    }
    long amount = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      default -> Duration.ofMinutes(amount);
    };
  }

  private static String required(String name, String value, String what) throws UsageException {
    if (value == null || value.isBlank()) {
      throw new UsageException(name + " needs a value: " + name + " " + what);
    }
    return value;
  }
}
