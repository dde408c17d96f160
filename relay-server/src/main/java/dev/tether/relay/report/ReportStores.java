package dev.tether.relay.report;

import dev.tether.relay.config.AuditConfig;
import java.nio.file.Path;

/** Crash reports live where the audit trail does: files by default, PostgreSQL when it is there. */
public final class ReportStores {
  private ReportStores() {}

  /** The store for {@code audit}'s configuration; files go to {@code <dataDir>/reports}. */
  public static ReportStore create(AuditConfig audit, Path dataDir) {
    return switch (audit.store()) {
      case FILE -> new FileReportStore(dataDir.resolve("reports"));
      case POSTGRESQL -> new PostgresReportStore(audit.jdbcUrl().orElseThrow());
    };
  }
}
