package dev.tether.relay.cli;

import dev.tether.relay.Relay;
import dev.tether.relay.config.RelayConfig;
import dev.tether.relay.config.RelayConfigFile;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.Set;

/** {@code tether relay [--host H] [--port P] [--data-dir D] [--public-url U] [--config F]}. */
public final class RelayCommand {
  static final Set<String> OPTIONS = Set.of("host", "port", "data-dir", "public-url", "config");

  private RelayCommand() {}

  /** The config the file and flags describe; flags win over the file. */
  static RelayConfig config(Args args) throws IOException {
    RelayConfig.Builder builder = args.has("config")
        ? RelayConfigFile.load(Path.of(args.get("config").orElseThrow()))
        : RelayConfig.builder();
    args.get("host").ifPresent(builder::host);
    if (args.has("port")) {
      builder.port(args.port("port", RelayConfig.DEFAULT_PORT));
    }
    args.get("data-dir").map(Path::of).ifPresent(builder::dataDir);
    if (args.has("public-url")) {
      builder.publicUrl(URI.create(args.get("public-url").orElseThrow()));
    }
    return builder.build();
  }

  static Relay run(String[] argv, PrintStream out) throws Exception {
    Args args = Args.parse("relay", argv, 1, OPTIONS);
    RelayConfig config;
    try {
      config = config(args);
    } catch (IllegalArgumentException e) {
      throw new UsageException("relay: " + e.getMessage());
    }
    Relay relay = Relay.start(config);
    Runtime.getRuntime().addShutdownHook(new Thread(relay::close, "relay-shutdown"));
    out.println("listening on " + stripSlash(relay.uri("/")));
    out.flush();
    return relay;
  }

  static String stripSlash(URI uri) {
    String text = uri.toString();
    return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
  }
}
