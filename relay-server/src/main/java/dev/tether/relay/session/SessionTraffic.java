package dev.tether.relay.session;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Messages and bytes that passed through a session, each way, over all its attachments. Counted
 * by the bridge with plain atomic increments; read by the admin API and the session-ended event.
 */
public final class SessionTraffic {
  private final AtomicLong messagesToTarget = new AtomicLong();
  private final AtomicLong bytesToTarget = new AtomicLong();
  private final AtomicLong messagesToClient = new AtomicLong();
  private final AtomicLong bytesToClient = new AtomicLong();

  /** A frame from DevTools towards the target; {@code fin} ends a message. */
  public void toTarget(int bytes, boolean fin) {
    bytesToTarget.addAndGet(bytes);
    if (fin) {
      messagesToTarget.incrementAndGet();
    }
  }

  /** A chunk from the target towards DevTools; {@code fin} ends a message. */
  public void toClient(int bytes, boolean fin) {
    bytesToClient.addAndGet(bytes);
    if (fin) {
      messagesToClient.incrementAndGet();
    }
  }

  public long messagesToTarget() {
    return messagesToTarget.get();
  }

  public long bytesToTarget() {
    return bytesToTarget.get();
  }

  public long messagesToClient() {
    return messagesToClient.get();
  }

  public long bytesToClient() {
    return bytesToClient.get();
  }
}
