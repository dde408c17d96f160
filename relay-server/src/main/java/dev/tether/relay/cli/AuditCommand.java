package dev.tether.relay.cli;

import dev.tether.relay.audit.AuditSeal;
import dev.tether.relay.audit.AuditStore;
import dev.tether.relay.audit.AuditStores;
import dev.tether.relay.audit.ChainVerifier;
import dev.tether.relay.audit.SealVerifier;
import dev.tether.relay.auth.SigningKeys;
import dev.tether.relay.config.RelayConfig;
import dev.tether.relay.config.RelayConfigFile;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code tether audit verify [--data-dir D] [--config F] [--jwks URL-or-file] [--accept-unsigned N,...]}: walks the audit
 * chain of the configured store, holds it against the relay's signed seals and head, and exits 0
 * when it is intact, 1 naming the first record it can no longer vouch for otherwise. The public
 * key comes from {@code --jwks} (the relay's {@code /.well-known/jwks.json}, or a copy kept where
 * whoever can write the data directory cannot), else from the data directory's own key.
 */
final class AuditCommand {
  static final Set<String> OPTIONS = Set.of("data-dir", "config", "jwks", "accept-unsigned");
  private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(10);

  private AuditCommand() {}

  static int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
    if (argv.length < 2 || !argv[1].equals("verify")) {
      throw new UsageException(
          "audit: say what to do: audit verify [--data-dir D] [--config F] [--jwks URL-or-file] [--accept-unsigned N,...]");
    }
    Args args = Args.parse("audit verify", argv, 2, OPTIONS);
    RelayConfig.Builder builder;
    try {
      builder = args.has("config")
          ? RelayConfigFile.load(Path.of(args.get("config").orElseThrow()))
          : RelayConfig.builder();
    } catch (IllegalArgumentException e) {
      throw new UsageException("audit verify: " + e.getMessage());
    }
    args.get("data-dir").map(Path::of).ifPresent(builder::dataDir);
    RelayConfig config = builder.build();
    SealVerifier keys = args.has("jwks")
        ? jwks(args.get("jwks").orElseThrow())
        : dataDirKey(config.dataDir());
    try (AuditStore store = AuditStores.create(config.audit(), config.dataDir())) {
      Map<String, ChainVerifier.Report> chains = store.verifyChains(keys);
      Set<String> accepted = acceptedUnsigned(args);
      boolean cluster = chains.size() > 1 || !chains.containsKey("");
      int status = 0;
      for (Map.Entry<String, ChainVerifier.Report> chain : chains.entrySet()) {
        String prefix = cluster ? "node " + name(chain.getKey()) + ": " : "";
        status = Math.max(status, report(prefix, chain.getKey(), chain.getValue(), accepted,
            store, out, err));
      }
      if (cluster) {
        (status == 0 ? out : err).println((status == 0 ? "audit trail intact: " : "audit trail"
            + " BROKEN: ") + chains.size() + " node chains checked ("
            + chains.keySet().stream().map(AuditCommand::name).collect(Collectors.joining(", "))
            + "; " + store.describe() + ")");
      }
      return status;
    }
  }

  private static String name(String node) {
    return node.isEmpty() ? "(single relay)" : node;
  }

  /** Prints one chain's verdict; 0 when intact and every audit.unsigned note accepted. */
  private static int report(String prefix, String node, ChainVerifier.Report report,
      Set<String> accepted, AuditStore store, PrintStream out, PrintStream err) {
    List<ChainVerifier.Problem> unexplained = report.unsignedNotes().stream()
        .filter(note -> !accepted.contains(Long.toString(note.seq()))
            && !accepted.contains(node + ":" + note.seq())).toList();
    if (report.intact() && !unexplained.isEmpty()) {
      // Whoever can write the data directory can delete records, re-hash the rest and wait
      // for a restart: the relay then notes the unsigned end and seals over it. Only a person
      // who knows why the note is there (an upgrade, a power cut) may accept it.
      for (ChainVerifier.Problem note : unexplained) {
        err.println(prefix + "audit trail NOT VOUCHED FOR: " + note.message());
      }
      err.println(prefix + "if you know why (the upgrade from an unsigned trail, a crash between"
          + " a batch and its seal), run again with --accept-unsigned "
          + unexplained.stream().map(n -> (node.isEmpty() ? "" : node + ":") + n.seq())
              .collect(Collectors.joining(",")));
      return 1;
    }
    if (report.intact()) {
      if (report.records() == 0) {
        out.println(prefix + "audit trail is empty (" + store.describe() + ")");
      } else {
        AuditSeal head = report.head().orElseThrow();
        out.println(prefix + "audit trail intact: " + report.records() + " records, last "
            + report.lastSeq() + ", signed at " + head.signedAt() + " by key " + head.keyId()
            + " (" + store.describe() + ")");
      }
      return 0;
    }
    err.println(prefix + "audit trail BROKEN: " + report.problem().orElseThrow().message());
    err.println(prefix + "(" + report.records() + " records before it are intact; "
        + store.describe() + ")");
    return 1;
  }

  /**
   * The audit.unsigned notes the operator accepts ({@code --accept-unsigned 4,9}, or
   * {@code relay-b:4} for one node's chain), as given.
   */
  private static Set<String> acceptedUnsigned(Args args) {
    Set<String> accepted = new HashSet<>();
    for (String part : args.get("accept-unsigned").orElse("").split(",")) {
      if (part.isBlank()) {
        continue;
      }
      String note = part.strip();
      if (!note.matches("([A-Za-z0-9][A-Za-z0-9._-]{0,63}:)?\\d{1,18}")) {
        throw new UsageException("audit verify: --accept-unsigned takes record numbers like 4,9"
            + " (or node:number like relay-b:4 in a cluster), was '" + part + "'");
      }
      accepted.add(note.replaceFirst("(^|:)0+(\\d)", "$1$2"));
    }
    return accepted;
  }

  /** The public keys in a JWK set at an http(s) URL or in a file. */
  private static SealVerifier jwks(String source) throws IOException, InterruptedException {
    String json;
    if (source.startsWith("http://") || source.startsWith("https://")) {
      URI uri;
      try {
        uri = URI.create(source);
      } catch (IllegalArgumentException e) {
        throw new UsageException("audit verify: --jwks " + source + " is not a URL");
      }
      HttpClient client = HttpClient.newBuilder().connectTimeout(FETCH_TIMEOUT).build();
      HttpResponse<String> response;
      try {
        response = client.send(HttpRequest.newBuilder(uri).timeout(FETCH_TIMEOUT).GET().build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new IOException("cannot fetch the relay's keys from " + source + " ("
            + e.getMessage() + "); is the relay running there?", e);
      }
      if (response.statusCode() != 200) {
        throw new IOException("fetching the relay's keys from " + source + " answered "
            + response.statusCode() + "; point --jwks at the relay's /.well-known/jwks.json");
      }
      json = response.body();
    } else {
      Path file = Path.of(source);
      if (!Files.isRegularFile(file)) {
        throw new UsageException("audit verify: --jwks " + source + " is neither an http(s) URL"
            + " nor a file");
      }
      json = Files.readString(file, StandardCharsets.UTF_8);
    }
    try {
      return SealVerifier.fromJwkSet(json);
    } catch (IOException e) {
      throw new IOException("--jwks " + source + " is " + e.getMessage()
          + "; use the relay's /.well-known/jwks.json");
    }
  }

  /** The public half of the key in the data directory; never creates one. */
  private static SealVerifier dataDirKey(Path dataDir) throws IOException {
    if (!Files.exists(SigningKeys.keyFile(dataDir))) {
      throw new IOException("there is no signing key at " + SigningKeys.keyFile(dataDir)
          + " to check the trail's signatures with; pass --data-dir of the relay, or --jwks with"
          + " its /.well-known/jwks.json");
    }
    return SealVerifier.fromJwkSet(SigningKeys.loadOrCreate(dataDir).publicJwkSetJson());
  }
}
