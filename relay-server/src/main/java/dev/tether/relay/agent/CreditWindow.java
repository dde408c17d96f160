package dev.tether.relay.agent;

/**
 * How much one stream's shim may send ahead of DevTools, sized to the link as TCP's receive
 * autotuning does: once a round trip, if DevTools took more than half the window in it, the sender
 * was held back by the window, not by DevTools, and the window grows to twice what went through
 * in that round trip. A near link (loopback, a region's own network) never fills half a window per
 * round trip and keeps the starting size; a far one grows in a few round trips. It never grows
 * past {@code max}: a DevTools that stops reading holds at most that much of the relay's memory
 * for the stream, whatever the link.
 *
 * <p>Only the bytes DevTools took count (the relay's write to it completed), so a stalled DevTools
 * never grows it. Not thread-safe; its stream calls it under its own lock.
 */
final class CreditWindow {
  /** The most a stream may hold for a DevTools that stopped reading. */
  static final long MAX = 16L * 1024 * 1024;

  private final long max;
  private long size;
  private long epochStartNanos;
  private long epochBytes;
  private boolean started;

  CreditWindow(long initial, long max) {
    if (initial <= 0 || max < initial) {
      throw new IllegalArgumentException(
          "a window starts above 0 and at most its maximum, not " + initial + " of " + max);
    }
    this.size = initial;
    this.max = max;
  }

  long size() {
    return size;
  }

  /**
   * DevTools took {@code bytes} at {@code nowNanos}, on a link whose round trip is {@code
   * roundTripNanos} (0 while unknown). Returns how many bytes the window grew by, to be granted
   * to the shim on top of what DevTools took; 0 mostly.
   */
  long onPassed(long bytes, long nowNanos, long roundTripNanos) {
    if (!started) {
      started = true;
      epochStartNanos = nowNanos;
    }
    epochBytes += bytes;
    long elapsed = nowNanos - epochStartNanos;
    if (roundTripNanos <= 0 || elapsed < roundTripNanos) {
      return 0;
    }
    // Bytes per round trip over the epoch (an epoch may last longer than one round trip).
    long perRoundTrip = (long) (epochBytes * ((double) roundTripNanos / elapsed));
    epochStartNanos = nowNanos;
    epochBytes = 0;
    if (perRoundTrip * 2 <= size || size >= max) {
      return 0;
    }
    long grown = Math.min(max, Math.max(size * 2, perRoundTrip * 2));
    long added = grown - size;
    size = grown;
    return added;
  }
}
