package dev.tether.relay.session;

import java.util.Locale;

/**
 * Where a debugging session is in its life: {@code requested → attached → (detached ↔ attached)
 * → ended}. Every change goes through {@link #canMoveTo}; nothing leaves {@code ENDED}.
 */
public enum SessionState {
  REQUESTED,
  ATTACHED,
  DETACHED,
  ENDED;

  public boolean canMoveTo(SessionState next) {
    return switch (this) {
      case REQUESTED, DETACHED -> next == ATTACHED || next == ENDED;
      case ATTACHED -> next == DETACHED || next == ENDED;
      case ENDED -> false;
    };
  }

  /** True while a DevTools client may (re-)attach with a fresh ticket. */
  public boolean awaitsDevTools() {
    return this == REQUESTED || this == DETACHED;
  }

  /** The wire value, e.g. {@code "attached"}. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
