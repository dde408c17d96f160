package dev.tether.relay.policy;

import dev.tether.relay.session.Session;

/**
 * Hears every refusal and warning the relay's policy produces, so they can be audited. The relay
 * calls it on its I/O threads: implementations must be quick and must not throw. {@link #LOGGING}
 * is the default; the audit log plugs in here.
 */
public interface PolicyListener {
  /** Stable reason codes of {@link #denied}. */
  String READ_ONLY = "read_only";
  String RATE_LIMITED = "rate_limited";
  String TOO_LARGE = "too_large";
  String MALFORMED = "malformed";

  /** Stable codes of {@link #warning}. */
  String PAUSED_TOO_LONG = "paused_too_long";
  String RESUMED_BY_RELAY = "resumed_by_relay";
  String SLOW_CONSUMER = "slow_consumer";

  /**
   * The relay refused a CDP command instead of forwarding it. {@code method} may be null when the
   * message did not name one readably; {@code reason} is one of the reason codes above and
   * {@code message} what the developer was told.
   */
  void denied(Session session, String method, String reason, String message);

  /** Something worth an operator's attention happened on a session; {@code code} as above. */
  void warning(Session session, String code, String message);

  /** Writes one log line per event; never CDP payloads, never tokens. */
  PolicyListener LOGGING = new LoggingPolicyListener();
}
