package dev.tether.relay.policy;

import dev.tether.relay.auth.Mode;
import dev.tether.relay.config.Limits;
import dev.tether.relay.session.Session;
import dev.tether.relay.session.Sessions;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;

/**
 * The relay's policy, wired once: limits, the read-only rules and who hears refusals. It hands
 * each DevTools connection its {@link SessionGuard} and the sessions API its {@link SessionQuota}.
 */
public final class Policy {
  private final Limits limits;
  private final PolicyListener listener;
  private final ScheduledExecutorService scheduler;
  private final ReadOnlyPolicy readOnly;
  private final SessionQuota quota;
  private final LongSupplier nanoTime;

  /** {@code nanoTime} is the monotonic clock of rates and drain times ({@code System::nanoTime}). */
  public Policy(
      Limits limits, PolicyListener listener, Sessions sessions,
      ScheduledExecutorService scheduler, LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
    this.limits = limits;
    this.listener = listener;
    this.scheduler = scheduler;
    this.readOnly = new ReadOnlyPolicy(limits.readOnlyEvalTimeout());
    this.quota = new SessionQuota(sessions, limits.sessionsPerUser(), limits.sessionsPerInstance());
  }

  public Limits limits() {
    return limits;
  }

  public SessionQuota quota() {
    return quota;
  }

  /**
   * A fresh guard for one DevTools connection of {@code session}; {@code maxTextChars} bounds the
   * text the reader keeps of each argument for the audit trail.
   */
  public SessionGuard guard(Session session, int maxTextChars) {
    long now = nanoTime.getAsLong();
    boolean readOnlySession = session.mode() == Mode.READONLY;
    CommandGate gate = new CommandGate(session, readOnlySession ? readOnly : null,
        limits.readOnlyMaxCommandBytes(),
        new RateLimiter(limits.messagesPerSecond(), limits.messageBurst(), now), listener,
        nanoTime, maxTextChars);
    PauseGuard pause =
        new PauseGuard(session, limits.pauseWarning(), limits.pauseResume(), scheduler, listener);
    return new SessionGuard(session, gate,
        new TargetWatch(limits.maxTargetMessageBytes(), pause), pause,
        new DrainWatch(limits.slowConsumerTimeout(), scheduler, nanoTime),
        limits.slowConsumerTimeout(), listener);
  }
}
