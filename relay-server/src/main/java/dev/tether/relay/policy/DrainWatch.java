package dev.tether.relay.policy;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Notices a DevTools client that stopped reading. The relay never holds more than a stream's
 * credit window for it (credit returns only after a write completes), so memory is bounded by
 * construction; this closes the session once its writes have made no progress for {@code
 * timeout}, so a stuck client does not keep the window and the inspector session forever. One
 * timer at a time, armed only while writes are outstanding.
 */
final class DrainWatch {
  private final Duration timeout;
  private final ScheduledExecutorService scheduler;
  private final LongSupplier nanos;
  private Runnable onStalled = () -> {};
  private long unwritten;
  private long lastProgressNanos;
  private ScheduledFuture<?> timer;
  private boolean stopped;

  DrainWatch(Duration timeout, ScheduledExecutorService scheduler, LongSupplier nanos) {
    this.timeout = timeout;
    this.scheduler = scheduler;
    this.nanos = nanos;
  }

  synchronized void onStalled(Runnable action) {
    onStalled = action;
  }

  /** Bytes handed to the socket for writing. */
  synchronized void queued(long bytes) {
    if (unwritten == 0) {
      lastProgressNanos = nanos.getAsLong();
    }
    unwritten += bytes;
    arm();
  }

  /** Bytes the socket finished writing. */
  synchronized void written(long bytes) {
    unwritten = Math.max(0, unwritten - bytes);
    lastProgressNanos = nanos.getAsLong();
  }

  /** Bytes the relay holds for this client right now. */
  synchronized long unwritten() {
    return unwritten;
  }

  synchronized void stop() {
    stopped = true;
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  private void arm() {
    if (timer != null || stopped) {
      return;
    }
    long due = lastProgressNanos + timeout.toNanos() - nanos.getAsLong();
    timer = scheduler.schedule(this::check, Math.max(0, due), TimeUnit.NANOSECONDS);
  }

  private void check() {
    Runnable stalled = null;
    synchronized (this) {
      timer = null;
      if (stopped || unwritten == 0) {
        return;
      }
      if (nanos.getAsLong() - lastProgressNanos >= timeout.toNanos()) {
        stopped = true;
        stalled = onStalled;
      } else {
        arm();
      }
    }
    if (stalled != null) {
      stalled.run();
    }
  }
}
