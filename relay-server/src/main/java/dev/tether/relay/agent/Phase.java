package dev.tether.relay.agent;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where one shim connection ({@link AgentTunnel}) is in its life. The table of {@link #next}
 * phases is the only way a connection moves; anything else is refused by {@link #canMoveTo}.
 *
 * <pre>
 * AWAITING_HELLO ─► OPEN ─► HANDED_OVER ─► CLOSED
 *        │           │ └──► DROPPED ───────► CLOSED   (the grace ends, or a resume takes over)
 *        └───────────┴─────────────────────► CLOSED
 * </pre>
 */
enum Phase {
  /** The socket is open; the shim has not said hello yet. */
  AWAITING_HELLO,
  /** Registered: the instance's streams live on this connection. */
  OPEN,
  /** A resuming connection took the streams; this socket may still be open, it carries nothing. */
  HANDED_OVER,
  /** The socket broke without a goodbye: streams and sessions wait for a resume, for the grace. */
  DROPPED,
  /** Over: the socket is closed and the streams ended or went to a newer connection. */
  CLOSED;

  private Set<Phase> next() {
    return switch (this) {
      case AWAITING_HELLO -> EnumSet.of(OPEN, CLOSED);
      case OPEN -> EnumSet.of(HANDED_OVER, DROPPED, CLOSED);
      case HANDED_OVER, DROPPED -> EnumSet.of(CLOSED);
      case CLOSED -> EnumSet.noneOf(Phase.class);
    };
  }

  boolean canMoveTo(Phase next) {
    return next().contains(next);
  }

  /** The socket is still open (a frame may be sent or read). */
  boolean socketOpen() {
    return this == AWAITING_HELLO || this == OPEN || this == HANDED_OVER;
  }

  /** The streams are no longer this connection's to end: a newer one took them, or they ended. */
  boolean retired() {
    return this == HANDED_OVER || this == CLOSED;
  }
}
