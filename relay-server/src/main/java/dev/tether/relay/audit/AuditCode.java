package dev.tether.relay.audit;

import java.util.Locale;

/**
 * The stable code of every kind of audit event, Teleport style: a family prefix, a number, and a
 * suffix for the outcome ({@code I} information/success, {@code W} warning, {@code E} failure).
 * Codes never change meaning once released; new kinds get new numbers.
 */
public enum AuditCode {
  AGENT_CONNECTED("TAG001I", "agent.connected"),
  AGENT_LOST("TAG002W", "agent.lost"),
  /**
   * A hello the relay refused: for a live instance without its resume secret, past the function's
   * instance limit, too large, or otherwise invalid; {@code details.error} says which.
   */
  AGENT_REFUSED("TAG003E", "agent.refused"),
  SESSION_REQUESTED("TSE001I", "session.requested"),
  SESSION_ATTACHED("TSE002I", "session.attached"),
  SESSION_DETACHED("TSE003I", "session.detached"),
  SESSION_CLOSED("TSE004I", "session.ended"),
  SESSION_EXPIRED("TSE005I", "session.ended"),
  SESSION_TERMINATED("TSE006W", "session.ended"),
  SESSION_AGENT_LOST("TSE007W", "session.ended"),
  SESSION_RELAY_STOPPED("TSE008I", "session.ended"),
  AUTH_FAILED_API("TAU001E", "auth.failed"),
  AUTH_FAILED_AGENT("TAU002E", "auth.failed"),
  AUTH_FAILED_DEVTOOLS("TAU003E", "auth.failed"),
  POLICY_DENIED("TPO001E", "policy.denied"),
  POLICY_WARNING("TPO002W", "policy.warning"),
  CDP_COMMAND("TCD001I", "cdp.command"),
  /** A code-running command whose arguments could not be captured (they came before the method). */
  CDP_COMMAND_UNCAPTURED("TCD002W", "cdp.command"),
  /** An instance's function died; {@code details} hold the report id, trigger and error. */
  FUNCTION_CRASHED("TFN001W", "function.crashed"),
  /** A snapshot point or logpoint was set (who, function, location, condition or template). */
  SNAPSHOT_SET("TSN001I", "snapshot.set"),
  /** A point was hit on an instance; the pause it cost, never the captured values. */
  SNAPSHOT_HIT("TSN002I", "snapshot.hit"),
  /** A point was taken off the instances: {@code details.reason} deleted, maxHits or expired. */
  SNAPSHOT_REMOVED("TSN003I", "snapshot.removed"),
  /** A shim disabled a point on its instance (its budget, a refused condition). */
  SNAPSHOT_DISABLED("TSN004W", "snapshot.disabled"),
  /** A relay alone started with an active point from its signed file (function, location, owner). */
  SNAPSHOT_RESTORED("TSN005I", "snapshot.restored"),
  /**
   * A relay alone refused to start on a points file it did not sign as it is; {@code
   * details.problem}: unsigned, other_key, altered or not_points.
   */
  SNAPSHOT_FILE_REFUSED("TSN006E", "snapshot.file.refused"),
  /** A shim's hit for a point its function does not have (another function's, deleted, never set). */
  SNAPSHOT_HIT_REFUSED("TSN007E", "snapshot.hit.refused"),
  AUDIT_STARTED("TAD001I", "audit.started"),
  /** The write queue was full and events were lost; the record says how many. */
  AUDIT_DROPPED("TAD002E", "audit.dropped"),
  /** At start, the trail's end was not the record the relay last signed (details.problem). */
  AUDIT_UNSIGNED("TAD003W", "audit.unsigned");

  private final String code;
  private final String type;

  AuditCode(String code, String type) {
    this.code = code;
    this.type = type;
  }

  public String code() {
    return code;
  }

  public String type() {
    return type;
  }

  /** The session-ended code for an end reason's wire name, e.g. {@code "agent_lost"}. */
  public static AuditCode ended(String reason) {
    return switch (reason.toLowerCase(Locale.ROOT)) {
      case "closed" -> SESSION_CLOSED;
      case "expired" -> SESSION_EXPIRED;
      case "terminated" -> SESSION_TERMINATED;
      case "agent_lost" -> SESSION_AGENT_LOST;
      default -> SESSION_RELAY_STOPPED;
    };
  }
}
