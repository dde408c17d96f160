package dev.tether.relay.report;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the relay keeps crash reports, per function and bounded: past {@link #MAX_PER_FUNCTION}
 * the oldest go. A store that cannot write throws {@link ReportStoreException}.
 */
public interface ReportStore extends AutoCloseable {
  int MAX_PER_FUNCTION = 50;

  void add(CrashReport report);

  /** The function's reports, newest first. */
  List<CrashReport> list(String function);

  Optional<CrashReport> find(String function, String id);

  /** The newest report of every function that has one. */
  Map<String, CrashReport> latest();

  @Override
  default void close() {}

  /** The store failed; the message says where. */
  final class ReportStoreException extends RuntimeException {
    public ReportStoreException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
