package dev.tether.relay.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/** Dispatches a command line to its command and turns failures into exit statuses and messages. */
public final class Cli {
  /** The command started servers that keep the process alive until Ctrl-C. */
  public static final int KEEP_RUNNING = -1;

  static final String USAGE = String.join("\n",
      "usage:",
      "  relay [--host H] [--port P] [--data-dir D] [--public-url U] [--config F]",
      "  token user --sub NAME (--functions GLOB,... | --role admin) [--modes full,readonly]"
          + " [--ttl DURATION] [--data-dir D] [--wait DURATION]",
      "  token agent --function NAME [--ttl DURATION] [--data-dir D] [--wait DURATION]",
      "    (a token is signed for the relay running with --data-dir, default .tether/data; it"
          + " waits --wait, default 30s, for that relay to start; --public-url U signs for U"
          + " instead)",
      "  demo [--port P] [--data-dir D]",
      "  connect --relay URL --function NAME [--instance ID] [--port 9229] [--mode full|readonly]"
          + " (user token from TETHER_TOKEN or --token)",
      "  audit verify [--data-dir D] [--config F] [--jwks URL-or-file] [--accept-unsigned N,...]",
      "DURATION looks like 90s, 30m, 8h, 7d or PT8H.");

  static final List<String> COMMANDS =
      List.of("relay", "token", "demo", "connect", "audit", "help");

  private Cli() {}

  /** Runs one command; returns the exit status, or {@link #KEEP_RUNNING}. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (Arrays.asList(args).contains("--help") || (args.length > 0 && args[0].equals("-h"))) {
      out.println(USAGE); // `token user --help` as much as `--help`
      return 0;
    }
    try {
      String command = args.length == 0 ? "" : args[0];
      switch (command) {
        case "relay" -> {
          RelayCommand.run(args, out);
          return KEEP_RUNNING;
        }
        case "demo" -> {
          DemoCommand.run(args, out);
          return KEEP_RUNNING;
        }
        case "connect" -> {
          ConnectCommand.run(args, System.getenv(), out);
          return KEEP_RUNNING;
        }
        case "token" -> {
          TokenCommand.run(args, out, err);
          return 0;
        }
        case "audit" -> {
          return AuditCommand.run(args, out, err);
        }
        case "help" -> {
          out.println(USAGE);
          return 0;
        }
        default -> throw new UsageException(command.isEmpty() ? "say what to run"
            : "unknown command '" + command + "'" + Suggestion.of(command, COMMANDS)
                .map(s -> "; did you mean '" + s + "'?").orElse(""));
      }
    } catch (UsageException e) {
      err.println(e.getMessage());
      err.println(USAGE);
      return 2;
    } catch (Exception e) {
      err.println("failed: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      return 1;
    }
  }
}
