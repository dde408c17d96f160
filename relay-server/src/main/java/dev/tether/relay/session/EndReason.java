package dev.tether.relay.session;

import dev.tether.protocol.CloseCodes;
import java.util.Locale;

/** Why a session ended, with the close code its DevTools socket receives. */
public enum EndReason {
  /** Its owner (or the API on their behalf) ended it. */
  CLOSED(CloseCodes.SESSION_ENDED),
  /** It reached its maximum duration, or waited too long for DevTools. */
  EXPIRED(CloseCodes.SESSION_EXPIRED),
  /** An admin terminated it. */
  TERMINATED(CloseCodes.TERMINATED),
  /** The function instance's tunnel went away. */
  AGENT_LOST(CloseCodes.AGENT_LOST),
  /** The relay is shutting down. */
  RELAY_STOPPED(CloseCodes.GOING_AWAY);

  private final int closeCode;

  EndReason(int closeCode) {
    this.closeCode = closeCode;
  }

  public int closeCode() {
    return closeCode;
  }

  /** The wire value, e.g. {@code "agent_lost"}. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
