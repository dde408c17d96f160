package dev.tether.relay.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** {@code --name value} (or {@code --name=value}) options of one command, checked against its list. */
final class Args {
  private final String command;
  private final Map<String, String> values = new LinkedHashMap<>();

  private Args(String command) {
    this.command = command;
  }

  static Args parse(String command, String[] args, int from, Set<String> known) {
    Args parsed = new Args(command);
    for (int i = from; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        throw new UsageException(command + ": unexpected argument '" + arg + "'");
      }
      String name = arg.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      if (!known.contains(name)) {
        throw new UsageException(command + ": unknown option --" + name + "; it takes "
            + new TreeSet<>(known).stream().map(k -> "--" + k).toList());
      }
      if (value == null) {
        if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
          throw new UsageException(command + ": --" + name + " needs a value");
        }
        value = args[++i];
      }
      parsed.values.put(name, value);
    }
    return parsed;
  }

  Optional<String> get(String name) {
    return Optional.ofNullable(values.get(name));
  }

  boolean has(String name) {
    return values.containsKey(name);
  }

  String require(String name, String example) {
    return get(name).orElseThrow(() ->
        new UsageException(command + ": --" + name + " is required, e.g. --" + name + " " + example));
  }

  int port(String name, int fallback) {
    String value = values.get(name);
    if (value == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new UsageException(command + ": --" + name + " must be a number (0 picks a free port)");
    }
  }
}
