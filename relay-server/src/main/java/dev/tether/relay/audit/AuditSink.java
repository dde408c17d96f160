package dev.tether.relay.audit;

/** Where the relay's parts hand their audit events; never blocks, never throws. */
@FunctionalInterface
public interface AuditSink {
  /** Discards everything; for parts built without an audit trail (unit tests). */
  AuditSink NONE = event -> {};

  void record(AuditEvent event);

  /** False when the trail cannot be written and the relay must refuse new sessions. */
  default boolean acceptsSessions() {
    return true;
  }
}
