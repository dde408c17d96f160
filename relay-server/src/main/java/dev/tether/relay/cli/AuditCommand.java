package dev.tether.relay.cli;

import dev.tether.relay.RelayConfig;
import dev.tether.relay.RelayConfigFile;
import dev.tether.relay.audit.AuditStore;
import dev.tether.relay.audit.AuditStores;
import dev.tether.relay.audit.ChainVerifier;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code tether audit verify [--data-dir D] [--config F]}: walks the audit chain of the
 * configured store and exits 0 when it is intact, 1 naming the first bad record otherwise.
 */
final class AuditCommand {
  static final Set<String> OPTIONS = Set.of("data-dir", "config");

  private AuditCommand() {}

  static int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
    if (argv.length < 2 || !argv[1].equals("verify")) {
      throw new UsageException("audit: say what to do: audit verify [--data-dir D] [--config F]");
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
    try (AuditStore store = AuditStores.create(config.audit(), config.dataDir())) {
      ChainVerifier.Report report = store.verify();
      if (report.intact()) {
        if (report.records() == 0) {
          out.println("audit trail is empty (" + store.describe() + ")");
        } else {
          out.println("audit trail intact: " + report.records() + " records, last "
              + report.lastSeq() + " (" + store.describe() + ")");
        }
        return 0;
      }
      err.println("audit trail BROKEN: " + report.problem().orElseThrow().message());
      err.println("(" + report.records() + " records before it are intact; " + store.describe()
          + ")");
      return 1;
    }
  }
}
