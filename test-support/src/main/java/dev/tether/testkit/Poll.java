package dev.tether.testkit;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Waits until a condition holds or a deadline passes, checking every few milliseconds. */
public final class Poll {
  private static final long EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private Poll() {}

  /** A check that may read a file or a socket; what it throws fails the wait at once. */
  @FunctionalInterface
  public interface Probe<T> {
    T get() throws Exception;
  }

  /**
   * Returns the first value of {@code probe} that is neither null nor false; fails with an
   * {@link AssertionError} naming {@code what} after {@code timeout}.
   */
  public static <T> T until(Duration timeout, String what, Probe<T> probe) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      T value;
      try {
        value = probe.get();
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException("checking " + what + " failed", e);
      }
      if (value != null && !Boolean.FALSE.equals(value)) {
        return value;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
      }
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what);
      }
      LockSupport.parkNanos(EVERY_NANOS);
    }
  }
}
