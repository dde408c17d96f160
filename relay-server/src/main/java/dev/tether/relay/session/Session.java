package dev.tether.relay.session;

import dev.tether.relay.auth.Mode;
import dev.tether.relay.auth.UserId;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;

/**
 * One developer's permission to debug one function instance for a while, and its state. The
 * state only changes through guarded transitions; {@link Sessions} drives them and the timers.
 */
public final class Session {
  /**
   * The instance of a function session: every live instance of the function, offered as CDP
   * targets. Not a valid instance id, so it never names one.
   */
  public static final String ALL_INSTANCES = "*";

  private final String id;
  private final UserId owner;
  private final String function;
  private final String instance;
  private final Mode mode;
  private final Instant createdAt;
  private final Instant expiresAt;
  private final SessionTraffic traffic = new SessionTraffic();

  private SessionState state = SessionState.REQUESTED;
  private Attachment attachment;
  private Instant attachedAt;
  private EndReason endReason;
  private String endMessage;
  private Instant endedAt;
  private ScheduledFuture<?> idleTimer;
  private ScheduledFuture<?> expiryTimer;

  Session(
      String id, UserId owner, String function, String instance, Mode mode, Instant createdAt,
      Instant expiresAt) {
    this.id = id;
    this.owner = owner;
    this.function = function;
    this.instance = instance;
    this.mode = mode;
    this.createdAt = createdAt;
    this.expiresAt = expiresAt;
  }

  public String id() {
    return id;
  }

  /** Who owns the session: issuer and subject, both compared wherever ownership matters. */
  public UserId owner() {
    return owner;
  }

  /** The owner's subject alone, for display and audit. */
  public String subject() {
    return owner.subject();
  }

  public String function() {
    return function;
  }

  public String instance() {
    return instance;
  }

  /** True for a function session (scope {@code function}): it follows every instance. */
  public boolean functionScope() {
    return ALL_INSTANCES.equals(instance);
  }

  public Mode mode() {
    return mode;
  }

  public Instant createdAt() {
    return createdAt;
  }

  public Instant expiresAt() {
    return expiresAt;
  }

  /** Messages and bytes each way, over all attachments. */
  public SessionTraffic traffic() {
    return traffic;
  }

  /** A consistent copy of the changing parts. */
  public synchronized Snapshot snapshot() {
    return new Snapshot(state, attachedAt, endReason, endMessage, endedAt);
  }

  public synchronized SessionState state() {
    return state;
  }

  /** The changing parts of a session at one moment. */
  public record Snapshot(
      SessionState state, Instant attachedAt, EndReason endReason, String endMessage,
      Instant endedAt) {}

  synchronized boolean attach(Attachment next, Instant now) {
    if (!state.canMoveTo(SessionState.ATTACHED)) {
      return false;
    }
    moveTo(SessionState.ATTACHED);
    attachment = next;
    attachedAt = now;
    return true;
  }

  synchronized boolean detach(Attachment current) {
    if (state != SessionState.ATTACHED || attachment != current) {
      return false;
    }
    moveTo(SessionState.DETACHED);
    attachment = null;
    return true;
  }

  /** Ends the session; returns the attachment to close, or null (none, or already ended). */
  synchronized Ended end(EndReason reason, String message, Instant now) {
    if (state == SessionState.ENDED) {
      return null;
    }
    moveTo(SessionState.ENDED);
    endReason = reason;
    endMessage = message;
    endedAt = now;
    Attachment ended = attachment;
    attachment = null;
    return new Ended(ended);
  }

  /** What ending released: the attachment to close, if one was attached. */
  record Ended(Attachment attachment) {}

  synchronized void idleTimer(ScheduledFuture<?> timer) {
    cancelIdleTimer();
    idleTimer = timer;
  }

  synchronized void expiryTimer(ScheduledFuture<?> timer) {
    expiryTimer = timer;
  }

  synchronized void cancelTimers() {
    cancelIdleTimer();
    if (expiryTimer != null) {
      expiryTimer.cancel(false);
      expiryTimer = null;
    }
  }

  synchronized void cancelIdleTimer() {
    if (idleTimer != null) {
      idleTimer.cancel(false);
      idleTimer = null;
    }
  }

  private void moveTo(SessionState next) {
    if (!state.canMoveTo(next)) {
      throw new IllegalStateException(
          "session " + id + " cannot go from " + state.wire() + " to " + next.wire());
    }
    state = next;
  }

  @Override
  public String toString() {
    return "session=" + id + " user=" + subject() + " function=" + function + " instance=" + instance;
  }
}
