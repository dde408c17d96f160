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
    return switch (config.store()) {
      case FILE -> new FileAuditStore(dataDir.resolve("audit"), config.rotateBytes());
      case POSTGRESQL -> new PostgresAuditStore(config.jdbcUrl().orElseThrow());
    };
  }

  /** A page from up to {@code limit + 1} matches, newest first: the extra one means "more". */
  static AuditQuery.Page page(List<AuditRecord> found, int limit) {
    if (found.size() > limit) {
      List<AuditRecord> page = List.copyOf(found.subList(0, limit));
      return new AuditQuery.Page(page, Optional.of(page.get(limit - 1).seq()));
    }
    return new AuditQuery.Page(List.copyOf(found), Optional.empty());
  }
}
