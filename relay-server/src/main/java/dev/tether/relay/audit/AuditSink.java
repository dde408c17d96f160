package dev.tether.relay.audit;

import java.util.function.Supplier;

/** Where the relay's parts hand their audit events; never blocks, never throws. */
@FunctionalInterface
public interface AuditSink {
  /** Discards everything; for parts built without an audit trail (unit tests). */
  AuditSink NONE = event -> {};

  void record(AuditEvent event);

  /**
   * An event whose details are made by {@code event} later, off the caller's thread where the
   * sink has one (the audit log's writer), in the order recorded; a sink without one makes it now.
   * For details that are costly to make on a data path; {@code event} must not block.
   */
  default void recordLater(Supplier<AuditEvent> event) {
    record(event.get());
  }

  /** False when the trail cannot be written and the relay must refuse new sessions. */
  default boolean acceptsSessions() {
    return true;
  }
}
