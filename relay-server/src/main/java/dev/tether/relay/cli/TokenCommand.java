package dev.tether.relay.cli;

import dev.tether.protocol.FunctionName;
import dev.tether.protocol.SafeText;
import dev.tether.relay.RunningRelay;
import dev.tether.relay.auth.Mode;
import dev.tether.relay.auth.Role;
import dev.tether.relay.auth.SigningKeys;
import dev.tether.relay.auth.TokenIssuer;
import dev.tether.relay.config.Durations;
import dev.tether.relay.config.RelayConfig;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code tether token user|agent ...}: prints a token signed with the key in the relay's data
 * directory, as the issuer the running relay uses (or what the flags say).
 */
public final class TokenCommand {
  private static final Set<String> COMMON =
      Set.of("ttl", "data-dir", "config", "host", "port", "public-url", "wait");
  private static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);

  private TokenCommand() {}

  static void run(String[] argv, PrintStream out, PrintStream err) throws Exception {
    String kind = argv.length > 1 ? argv[1] : "";
    switch (kind) {
      case "user" -> user(argv, out, err);
      case "agent" -> agent(argv, out, err);
      default -> throw new UsageException(
          "token: say which kind: 'token user --sub NAME --functions GLOB,...' or"
              + " 'token agent --function NAME'");
    }
  }

  private static void user(String[] argv, PrintStream out, PrintStream err) throws Exception {
    Set<String> options = new HashSet<>(COMMON);
    options.addAll(Set.of("sub", "role", "functions", "modes"));
    Args args = Args.parse("token user", argv, 2, options);
    String subject = args.require("sub", "alice");
    if (!SafeText.isSafe(subject)) {
      throw new UsageException("token user: --sub may not hold control characters or line"
          + " separators");
    }
    Role role = Role.fromClaim(args.get("role").orElse("developer"));
    if (role == null) {
      throw new UsageException("token user: --role must be developer or admin");
    }
    List<String> functions = args.get("functions")
        .map(f -> Arrays.stream(f.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList())
        .orElse(List.of());
    if (functions.isEmpty() && role == Role.DEVELOPER) {
      throw new UsageException("token user: a developer token needs --functions GLOB,..."
          + " (e.g. --functions 'orders,billing-*'); it grants nothing otherwise");
    }
    Set<Mode> modes = EnumSet.noneOf(Mode.class);
    for (String m : args.get("modes").orElse("full,readonly").split(",")) {
      Mode mode = Mode.fromClaim(m.trim());
      if (mode == null) {
        throw new UsageException("token user: --modes takes full, readonly or both (full,readonly)");
      }
      modes.add(mode);
    }
    Duration ttl = ttl(args, Duration.ofHours(8));
    TokenIssuer issuer = issuer(args, err);
    out.println(issuer.userToken(subject, role, functions, modes, ttl));
    err.println("user token for " + subject + " (" + role.claim() + ", functions " + functions
        + ") valid for " + Durations.format(ttl));
  }

  private static void agent(String[] argv, PrintStream out, PrintStream err) throws Exception {
    Set<String> options = new HashSet<>(COMMON);
    options.add("function");
    Args args = Args.parse("token agent", argv, 2, options);
    String function = args.require("function", "orders");
    if (!FunctionName.isValid(function)) {
      throw new UsageException("token agent: --function: " + FunctionName.DESCRIPTION);
    }
    Duration ttl = ttl(args, Duration.ofDays(7));
    out.println(issuer(args, err).agentToken(function, ttl));
    err.println("agent token for function " + function + " valid for " + Durations.format(ttl));
  }

  private static Duration ttl(Args args, Duration fallback) {
    return duration(args, "ttl", fallback);
  }

  private static Duration duration(Args args, String name, Duration fallback) {
    try {
      return args.get(name).map(Durations::parse).orElse(fallback);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--" + name + ": " + e.getMessage());
    }
  }

  /**
   * Signs as the relay that will check the token: the issuer the flags name, or else the one the
   * relay serving with this data directory uses, waiting for it to start (`relay &` then `token`
   * at once); never a guess, since a token for another issuer is refused with 401 much later.
   */
  private static TokenIssuer issuer(Args args, PrintStream err) throws Exception {
    RelayConfig config;
    try {
      config = RelayCommand.config(args);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    String issuer;
    if (args.has("public-url") || args.has("config") || args.has("host") || args.has("port")) {
      if (config.port() == 0 && config.publicUrl().isEmpty()) {
        throw new UsageException("token: with --port 0 the issuer is unknown; pass --public-url"
            + " of the running relay, or --data-dir of the relay (it remembers its issuer)");
      }
      issuer = config.publicUrlFor(config.port()).toString();
    } else {
      Duration wait = duration(args, "wait", DEFAULT_WAIT);
      Path dataDir = config.dataDir();
      issuer = RunningRelay.await(dataDir, wait, () -> err.println(
              "tether token: waiting up to " + Durations.format(wait) + " for the relay that"
                  + " uses --data-dir " + dataDir + " to start…"))
          .map(RunningRelay::issuer)
          .orElseThrow(() -> new NoRelayException("token: no relay is running with --data-dir "
              + dataDir + (wait.isZero() ? "" : " (waited " + Durations.format(wait) + ")")
              + ", so its issuer is unknown. Start it first (./tether relay --data-dir " + dataDir
              + "), pass the --data-dir of the relay you mean (the demo's is .tether/demo), or"
              + " name the relay with --public-url URL (or its --config F)"));
    }
    if (!Files.exists(SigningKeys.keyFile(config.dataDir()))) {
      // A new key here would sign tokens no relay accepts (they fail with 401 later): never guess.
      throw new UsageException("token: there is no signing key at "
          + SigningKeys.keyFile(config.dataDir()) + "; pass --data-dir of the relay that will"
          + " check the token (or copy its keys/ folder here), or start that relay once");
    }
    return new TokenIssuer(SigningKeys.loadOrCreate(config.dataDir()), issuer, Clock.systemUTC());
  }

  /** No relay to sign for: exit status 1, like other failures that are not usage mistakes. */
  static final class NoRelayException extends RuntimeException {
    NoRelayException(String message) {
      super(message);
    }
  }
}
