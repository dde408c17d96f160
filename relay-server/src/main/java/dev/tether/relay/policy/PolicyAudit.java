package dev.tether.relay.policy;

import dev.tether.relay.audit.AuditCode;
import dev.tether.relay.audit.AuditEvent;
import dev.tether.relay.audit.AuditSink;
import dev.tether.relay.session.Session;
import java.time.Clock;

/**
 * Records the policy's refusals ({@code policy.denied}) and warnings ({@code policy.warning}) of
 * a session in the audit trail, then passes them on to the next listener (log lines by default).
 */
public final class PolicyAudit implements PolicyListener {
  private final AuditSink audit;
  private final Clock clock;
  private final PolicyListener next;

  public PolicyAudit(AuditSink audit, Clock clock, PolicyListener next) {
    this.audit = audit;
    this.clock = clock;
    this.next = next;
  }

  @Override
  public void denied(Session session, String method, String reason, String message) {
    audit.record(event(AuditCode.POLICY_DENIED, session)
        .detail("method", method).detail("error", reason).detail("message", message).build());
    next.denied(session, method, reason, message);
  }

  @Override
  public void warning(Session session, String code, String message) {
    audit.record(event(AuditCode.POLICY_WARNING, session)
        .detail("warning", code).detail("message", message).build());
    next.warning(session, code, message);
  }

  private AuditEvent.Builder event(AuditCode code, Session session) {
    return AuditEvent.of(code).at(clock.instant()).actor(session.subject())
        .function(session.function()).instance(session.instance()).session(session.id())
        .detail("mode", session.mode().claim());
  }
}
