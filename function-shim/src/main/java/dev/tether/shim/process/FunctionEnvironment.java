package dev.tether.shim.process;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the wrapped function may see of the shim's environment and command line: everything but
 * Tether's own settings and secrets, so code evaluated in the function (even by a read-only user)
 * never finds the agent token.
 *
 * <p>Every {@code TETHER_*} variable is dropped (the agent token, the relay URL, a user's {@code
 * TETHER_TOKEN}, the shim's log and JVM options), and so is any variable, whatever its name, whose
 * value holds the agent token, since a platform may hand the token over under a name of its own.
 */
public final class FunctionEnvironment {
  private static final String PREFIX = "TETHER_";
  /** Real agent tokens are JWTs of hundreds of characters; shorter ones are test stand-ins. */
  private static final int MIN_TOKEN_CHARS = 16;

  private FunctionEnvironment() {}

  /** The function's environment: {@code inherited} less what belongs to Tether. */
  public static Map<String, String> of(Map<String, String> inherited, String agentToken) {
    Map<String, String> function = new LinkedHashMap<>();
    inherited.forEach((name, value) -> {
      if (!isTethers(name, value, agentToken)) {
        function.put(name, value);
      }
    });
    return function;
  }

  /**
   * Refuses a command that would put the agent token on the function's own command line, where
   * {@code process.argv} and {@code ps} show it.
   */
  public static void checkCommand(List<String> command, String agentToken) {
    if (!searchable(agentToken)) {
      return;
    }
    for (String arg : command) {
      if (arg.contains(agentToken)) {
        throw new IllegalArgumentException(
            "the wrapped command holds the agent token, so the function (and anyone who debugs"
                + " it) could read it; pass the token to the shim only (--token or"
                + " TETHER_AGENT_TOKEN)");
      }
    }
  }

  private static boolean isTethers(String name, String value, String agentToken) {
    if (name.toUpperCase(Locale.ROOT).startsWith(PREFIX)) {
      return true;
    }
    return searchable(agentToken) && value != null && value.contains(agentToken);
  }

  private static boolean searchable(String agentToken) {
    return agentToken != null && agentToken.length() >= MIN_TOKEN_CHARS;
  }
}
