package dev.tether.relay.audit;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where sealed records live. One writer (the {@link AuditLog} thread) appends; readers query and
 * verify concurrently. Implementations append only: nothing here edits or deletes a record.
 */
public interface AuditStore extends AutoCloseable {
  /** Prepares the store (directory, schema); may be called again after a failure. */
  void open() throws IOException;

  /** The last record written, to continue the chain from; empty for a new trail. */
  Optional<AuditRecord> last() throws IOException;

  /**
   * Appends records in order, durably (see each store's policy), or throws and writes none; then
   * keeps {@code seal} (the relay's signature over the last of them) as a checkpoint and as the
   * new head.
   */
  void append(List<AuditRecord> records, AuditSeal seal) throws IOException;

  /** The stored head (a seal, as stored), empty for a new trail or one never signed. */
  Optional<String> head() throws IOException;

  /** Matching records, newest first. */
  AuditQuery.Page query(AuditQuery query) throws IOException;

  /**
   * Verifies the whole chain from the first record to the head, and holds it against the seals
   * and the head, which {@code keys} must show the relay signed.
   */
  ChainVerifier.Report verify(SealVerifier keys) throws IOException;

  /**
   * {@link #verify} for each writer's chain, by node id: a store that several relays share keeps
   * one chain per node; every other store has one chain, node {@code ""}.
   */
  default Map<String, ChainVerifier.Report> verifyChains(SealVerifier keys) throws IOException {
    return Map.of("", verify(keys));
  }

  /** What the store is, for logs and messages (never with a password). */
  String describe();

  @Override
  void close();
}
