package dev.tether.relay.cli;

import dev.tether.relay.connect.ConnectConfig;
import dev.tether.relay.connect.LocalEndpoint;
import dev.tether.relay.connect.RelayRefusal;
import java.io.PrintStream;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code tether connect --relay URL --function NAME [--instance ID] [--port 9229] [--mode M]}: a
 * local endpoint that debuggers attach to by port, as to {@code node --inspect}; the user token
 * comes from {@code TETHER_TOKEN} (or {@code --token}, which ps shows to other users).
 */
public final class ConnectCommand {
  static final Set<String> OPTIONS = Set.of("relay", "function", "instance", "port", "mode", "token");
  static final String TOKEN_VARIABLE = "TETHER_TOKEN";

  private ConnectCommand() {}

  static ConnectConfig config(Args args, Map<String, String> env) {
    String token = args.get("token").orElse(env.get(TOKEN_VARIABLE));
    if (token == null || token.isBlank()) {
      throw new UsageException("connect: a user token is needed; export " + TOKEN_VARIABLE
          + "=<token> (from the console or ./tether token user), or pass --token");
    }
    try {
      return new ConnectConfig(URI.create(args.require("relay", "https://relay.example.com")),
          args.require("function", "orders"), args.get("instance").orElse(null),
          args.port("port", ConnectConfig.DEFAULT_PORT), args.get("mode").orElse(null), token, null);
    } catch (IllegalArgumentException e) {
      throw new UsageException("connect: " + e.getMessage());
    }
  }

  static LocalEndpoint run(String[] argv, Map<String, String> env, PrintStream out)
      throws Exception {
    ConnectConfig config = config(Args.parse("connect", argv, 1, OPTIONS), env);
    LocalEndpoint endpoint = LocalEndpoint.start(config);
    List<String> live;
    try {
      live = endpoint.liveInstances();
    } catch (RelayRefusal e) {
      endpoint.close();
      throw new IllegalStateException(e.getMessage() + " [" + e.code() + ", HTTP " + e.status() + "]");
    }
    Runtime.getRuntime().addShutdownHook(new Thread(endpoint::close, "connect-shutdown"));
    out.print(instructions(endpoint.port(), config, live));
    out.flush();
    return endpoint;
  }

  /** What to paste into each debugger; never the token. */
  static String instructions(int port, ConnectConfig config, List<String> live) {
    String name = config.function() + (config.instance() == null ? "" : "/" + config.instance());
    return String.join("\n",
        "listening on http://" + ConnectConfig.HOST + ":" + port + " for " + name + " through "
            + config.relay() + (config.mode() == null ? "" : " (" + config.mode() + ")"),
        live.isEmpty()
            ? "no live instance of " + name + " that this token may debug yet (is its shim running?"
                + " does the token grant " + config.function() + "?); /json/list shows them as they come"
            : "live instances: " + String.join(", ", live),
        "",
        "  chrome://inspect  Configure… → add localhost:" + port
            + "; the instances appear under Remote Target → inspect",
        "  WebStorm          Run → Edit Configurations → + Attach to Node.js/Chrome:"
            + " host localhost, port " + port,
        "  VS Code           launch.json: {\"type\": \"node\", \"request\": \"attach\","
            + " \"name\": \"Tether: " + config.function() + "\", \"port\": " + port + "}",
        "  CDP libraries     http://localhost:" + port + "/json/list",
        "",
        "Each debugger connection is its own Tether session. Ctrl-C stops.",
        "");
  }
}
