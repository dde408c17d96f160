package dev.tether.relay.cli;

import dev.tether.protocol.FunctionName;
import dev.tether.protocol.SafeText;
import dev.tether.relay.Durations;
import dev.tether.relay.Relay;
import dev.tether.relay.RelayConfig;
import dev.tether.relay.auth.Mode;
import dev.tether.relay.auth.Role;
import dev.tether.relay.auth.SigningKeys;
import dev.tether.relay.auth.TokenIssuer;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code tether token user|agent ...}: prints a token signed with the key in the relay's data
 * directory, as the issuer that relay uses (its last public URL, or what the flags say).
 */
public final class TokenCommand {
  private static final Set<String> COMMON =
      Set.of("ttl", "data-dir", "config", "host", "port", "public-url");

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
    TokenIssuer issuer = issuer(args);
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
    out.println(issuer(args).agentToken(function, ttl));
    err.println("agent token for function " + function + " valid for " + Durations.format(ttl));
  }

  private static Duration ttl(Args args, Duration fallback) {
    try {
      return args.get("ttl").map(Durations::parse).orElse(fallback);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--ttl: " + e.getMessage());
    }
  }

  /** Signs as the relay would: flags first, then the issuer its data directory remembers. */
  private static TokenIssuer issuer(Args args) throws Exception {
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
      issuer = Relay.lastIssuer(config.dataDir())
          .orElse(config.publicUrlFor(config.port()).toString());
    }
    return new TokenIssuer(SigningKeys.loadOrCreate(config.dataDir()), issuer, Clock.systemUTC());
  }
}
