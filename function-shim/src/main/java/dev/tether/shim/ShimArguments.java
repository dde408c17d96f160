package dev.tether.shim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code tether shim}'s command line, with the {@code TETHER_*} environment variables as
 * fallbacks, into a {@link ShimConfig}.
 */
public final class ShimArguments {
  public static final String USAGE =
      """
      usage: tether shim --relay URL --token T --function NAME [--instance ID] -- node file.js [args]
             tether shim --relay URL --token T --function NAME [--instance ID] --inspector HOST:PORT

      Wraps a Node.js function (or attaches to a running inspector) and tethers it to a Tether relay
      so developers can debug it with Chrome DevTools.

        --relay URL          the relay (ws, wss, http or https; /agent is appended)   TETHER_RELAY_URL
        --token T            the agent token; prefer the environment variable        TETHER_AGENT_TOKEN
        --function NAME      the function's name, as granted in the token             TETHER_FUNCTION
        --instance ID        this instance's id (default: <hostname>-<pid>-<random>)   TETHER_INSTANCE
        --inspector H:P      attach to the inspector at H:P instead of wrapping a command
        -- COMMAND...        wrap COMMAND; its stdin, stdout, stderr, signals and exit code pass through
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

  public static ShimConfig parse(String[] args, Map<String, String> env) throws UsageException {
    String relay = env.get("TETHER_RELAY_URL");
    String token = env.get("TETHER_AGENT_TOKEN");
    String function = env.get("TETHER_FUNCTION");
    String instance = env.get("TETHER_INSTANCE");
    String inspector = null;
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
        default -> throw new UsageException(
            "unknown option " + name + "; see tether shim --help");
      }
    }
    try {
      return new ShimConfig(
          ShimConfig.parseUrl(relay), token, function, instance, command, inspector, null, null);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }

  private static String required(String name, String value, String what) throws UsageException {
    if (value == null || value.isBlank()) {
      throw new UsageException(name + " needs a value: " + name + " " + what);
    }
    return value;
  }
}
