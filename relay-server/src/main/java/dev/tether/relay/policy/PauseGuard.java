package dev.tether.relay.policy;

import dev.tether.relay.config.Durations;
import dev.tether.relay.session.Session;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Watches how long a session keeps its function paused: a paused function serves nobody. After
 * {@code warning} it reports {@link PolicyListener#PAUSED_TOO_LONG}; after {@code resume} (unless
 * zero) it sends {@code Debugger.resume} itself, with an id of its own whose reply DevTools never
 * sees. Timers are one-shot per pause; nothing runs while the function is not paused.
 */
final class PauseGuard {
  /** The id of the relay's own resume command; negative, so it never collides with DevTools'. */
  static final long RESUME_ID = -4242;
  private static final byte[] RESUME = ("{\"id\":" + RESUME_ID
      + ",\"method\":\"Debugger.resume\",\"params\":{}}").getBytes(StandardCharsets.US_ASCII);

  private final Session session;
  private final Duration warning;
  private final Duration resume;
  private final ScheduledExecutorService scheduler;
  private final PolicyListener listener;
  private Consumer<byte[]> inject = bytes -> {};
  private ScheduledFuture<?> warningTimer;
  private ScheduledFuture<?> resumeTimer;
  private boolean paused;
  private boolean resumeOutstanding;
  private boolean stopped;

  PauseGuard(
      Session session, Duration warning, Duration resume, ScheduledExecutorService scheduler,
      PolicyListener listener) {
    this.session = session;
    this.warning = warning;
    this.resume = resume;
    this.scheduler = scheduler;
    this.listener = listener;
  }

  /** Where the relay's own commands go: towards the target, between DevTools' messages. */
  synchronized void injectWith(Consumer<byte[]> injector) {
    inject = injector;
  }

  /** The target reported {@code Debugger.paused}. */
  synchronized void paused() {
    if (paused || stopped) {
      return;
    }
    paused = true;
    warningTimer = scheduler.schedule(this::warn, warning.toMillis(), TimeUnit.MILLISECONDS);
    if (!resume.isZero()) {
      resumeTimer = scheduler.schedule(this::resume, resume.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** The target reported {@code Debugger.resumed}. */
  synchronized void resumed() {
    paused = false;
    cancelTimers();
  }

  /** True while the relay's own resume awaits its reply. */
  synchronized boolean expectsOwnReply() {
    return resumeOutstanding;
  }

  /** True (once) for the reply to the relay's own resume, which DevTools must not see. */
  synchronized boolean isOwnReply(Long id) {
    if (id != null && id == RESUME_ID && resumeOutstanding) {
      resumeOutstanding = false;
      return true;
    }
    return false;
  }

  synchronized void stop() {
    stopped = true;
    cancelTimers();
  }

  private synchronized void warn() {
    if (!paused || stopped) {
      return;
    }
    listener.warning(session, PolicyListener.PAUSED_TOO_LONG,
        "the function has been paused for " + Durations.format(warning)
            + (resume.isZero() ? "" : "; the relay resumes it after " + Durations.format(resume)));
  }

  private synchronized void resume() {
    if (!paused || stopped) {
      return;
    }
    resumeOutstanding = true;
    inject.accept(RESUME.clone());
    listener.warning(session, PolicyListener.RESUMED_BY_RELAY,
        "the function was paused for " + Durations.format(resume) + "; the relay resumed it");
  }

  private void cancelTimers() {
    if (warningTimer != null) {
      warningTimer.cancel(false);
      warningTimer = null;
    }
    if (resumeTimer != null) {
      resumeTimer.cancel(false);
      resumeTimer = null;
    }
  }
}
