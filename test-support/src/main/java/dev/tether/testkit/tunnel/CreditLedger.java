package dev.tether.testkit.tunnel;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The credit one side of the tunnel holds per stream: the other side grants bytes (window at
 * open, then credit messages) and a sender spends them, waiting when there are too few, as a
 * real relay or shim must before it sends a chunk.
 */
public final class CreditLedger {
  private final Map<Integer, Long> credit = new HashMap<>();

  /** Adds {@code bytes} of credit on {@code stream}. */
  public synchronized void grant(int stream, long bytes) {
    credit.merge(stream, bytes, Long::sum);
    notifyAll();
  }

  /** The credit left on {@code stream}. */
  public synchronized long available(int stream) {
    return credit.getOrDefault(stream, 0L);
  }

  /** Spends {@code bytes} on {@code stream} if there is enough credit; never waits. */
  public synchronized boolean trySpend(int stream, long bytes) {
    if (available(stream) < bytes) {
      return false;
    }
    credit.merge(stream, -bytes, Long::sum);
    return true;
  }

  /**
   * Spends {@code bytes} on {@code stream}, waiting for credit; fails with an {@link
   * AssertionError} when none comes within {@code timeout}.
   */
  public synchronized void spend(int stream, long bytes, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (available(stream) < bytes) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        throw new AssertionError("no credit for " + bytes + " bytes on stream " + stream
            + " within " + timeout.toMillis() + " ms (have " + available(stream) + ")");
      }
      wait(left);
    }
    credit.merge(stream, -bytes, Long::sum);
  }
}
