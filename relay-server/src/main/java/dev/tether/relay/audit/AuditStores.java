package dev.tether.relay.audit;

import dev.tether.relay.config.AuditConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Builds the configured store, and the paging both stores share. */
public final class AuditStores {
  private AuditStores() {}

  /** The store {@code config} names; the file store lives in {@code <dataDir>/audit}. */
  public static AuditStore create(AuditConfig config, Path dataDir) {
    return create(config, dataDir, "");
  }

  /**
   * The store of cluster node {@code node} ({@code ""} for a relay alone): in PostgreSQL, its own
   * chain in the tables the cluster shares; a file store is the node's own anyway.
   */
  public static AuditStore create(AuditConfig config, Path dataDir, String node) {
    return switch (config.store()) {
      case FILE -> new FileAuditStore(dataDir.resolve("audit"), config.rotateBytes());
      case POSTGRESQL -> new PostgresAuditStore(config.jdbcUrl().orElseThrow(), node);
    };
  }

  /** A page from up to {@code limit + 1} matches, newest first: the extra one means "more". */
  static AuditQuery.Page page(List<AuditRecord> found, int limit) {
    if (found.size() > limit) {
      List<AuditRecord> page = List.copyOf(found.subList(0, limit));
      return new AuditQuery.Page(page,
          Optional.of(new AuditQuery.Cursor("", page.get(limit - 1).seq())));
    }
    return new AuditQuery.Page(List.copyOf(found), Optional.empty());
  }
}
