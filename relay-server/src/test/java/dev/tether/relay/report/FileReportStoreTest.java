package dev.tether.relay.report;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class FileReportStoreTest extends ReportStoreContract {
  @TempDir Path directory;

  @Override
  protected ReportStore newStore() {
    return new FileReportStore(directory);
  }

  @Override
  protected ReportStore sameStorage() {
    return new FileReportStore(directory);
  }
}
