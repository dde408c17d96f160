package dev.tether.relay.policy;

import dev.tether.relay.Durations;
import dev.tether.relay.session.Session;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Keeps a read-only session's code from running on: each forwarded call that runs code in the
 * function (an evaluation, {@code Runtime.callFunctionOn}) must be answered within {@code
 * timeout}, or the relay sends {@code Runtime.terminateExecution} itself, with an id of its own
 * whose reply DevTools never sees. {@code Runtime.callFunctionOn} has no CDP timeout, so
 * {@code function(){for(;;){}}} (side-effect free as far as V8 can tell) would otherwise spin the
 * function forever. A session that ends with such a call unanswered leaves the terminate behind it.
 *
 * <p>V8 cancels a termination once the outermost script it hit returns, so a terminate sent while
 * the call still runs stops only that call. One sent just as the call's own reply crosses it on the
 * wire would instead stop the next script the function runs (one event): the window is the time a
 * reply takes to reach the relay, and it opens only after a call has already run for the timeout.
 */
final class RunningCode {
  /** The id of the relay's own terminate; negative, so it never collides with DevTools' (≥ 0). */
  static final long TERMINATE_ID = -4243;
  private static final byte[] TERMINATE = ("{\"id\":" + TERMINATE_ID
      + ",\"method\":\"Runtime.terminateExecution\"}").getBytes(StandardCharsets.US_ASCII);

  private final Session session;
  private final Duration timeout;
  private final ScheduledExecutorService scheduler;
  private final PolicyListener listener;
  private final Map<Long, ScheduledFuture<?>> calls = new HashMap<>();
  private Consumer<byte[]> inject = bytes -> {};
  private int terminatesOutstanding;
  private boolean stopped;

  RunningCode(
      Session session, Duration timeout, ScheduledExecutorService scheduler,
      PolicyListener listener) {
    this.session = session;
    this.timeout = timeout;
    this.scheduler = scheduler;
    this.listener = listener;
  }

  /** Where the relay's own commands go: towards the target, between DevTools' messages. */
  synchronized void injectWith(Consumer<byte[]> injector) {
    inject = injector;
  }

  /** A code-running call {@code id} (method {@code method}) was forwarded to the function. */
  synchronized void started(long id, String method) {
    if (stopped) {
      return;
    }
    ScheduledFuture<?> previous = calls.put(id, scheduler.schedule(() -> expired(id, method),
        timeout.toMillis(), TimeUnit.MILLISECONDS));
    if (previous != null) {
      previous.cancel(false);
    }
  }

  /** True while a call or the relay's own terminate awaits its reply (replies are then peeked). */
  synchronized boolean awaitsReplies() {
    return !calls.isEmpty() || terminatesOutstanding > 0;
  }

  /**
   * A reply with {@code id} came from the function. True when it answers the relay's own
   * terminate, which DevTools must not see.
   */
  synchronized boolean answered(Long id) {
    if (id == null) {
      return false;
    }
    if (id == TERMINATE_ID && terminatesOutstanding > 0) {
      terminatesOutstanding--;
      return true;
    }
    ScheduledFuture<?> timer = calls.remove(id);
    if (timer != null) {
      timer.cancel(false);
    }
    return false;
  }

  /**
   * Stops watching; returns the terminate to send before the stream closes when a call is still
   * unanswered, or null.
   */
  synchronized byte[] stop() {
    stopped = true;
    calls.values().forEach(timer -> timer.cancel(false));
    boolean running = !calls.isEmpty();
    calls.clear();
    if (running) {
      listener.warning(session, PolicyListener.CODE_TERMINATED,
          "the session ended while its code was still running; the relay terminated it");
      return TERMINATE.clone();
    }
    return null;
  }

  private void expired(long id, String method) {
    synchronized (this) {
      if (stopped || calls.remove(id) == null) {
        return;
      }
      terminatesOutstanding++;
      inject.accept(TERMINATE.clone());
    }
    listener.warning(session, PolicyListener.CODE_TERMINATED, method + " (id " + id + ") ran for"
        + " longer than " + Durations.format(timeout) + " in a read-only session; the relay"
        + " terminated it");
  }
}
