package dev.tether.relay.policy;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes HTTP connections that take longer than {@code timeout} to deliver a request (a WebSocket
 * upgrade is one). The connector's idle timeout cannot do it: a slowloris peer sends a byte now and
 * then, so it is never idle. A connection is looked at every quarter of the timeout until it is
 * upgraded or closed; a request counts from the first look that saw its bytes arrive, so an idle
 * keep-alive connection is left to the idle timeout.
 */
public final class HandshakeDeadline implements Connection.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(HandshakeDeadline.class);

  private final ScheduledExecutorService scheduler;
  private final long timeoutNanos;
  private final long tickMillis;

  public HandshakeDeadline(ScheduledExecutorService scheduler, Duration timeout) {
    this.scheduler = scheduler;
    this.timeoutNanos = timeout.toNanos();
    this.tickMillis = Math.max(25, timeout.toMillis() / 4);
  }

  @Override
  public void onOpened(Connection connection) {
    new Watch(connection).schedule();
  }

  /** One connection's progress between looks. */
  private final class Watch {
    private final Connection connection;
    private long bytes;
    private long messages;
    private long lastLookNanos = System.nanoTime();
    private long requestSinceNanos = -1;

    Watch(Connection connection) {
      this.connection = connection;
    }

    void schedule() {
      if (!scheduler.isShutdown()) {
        scheduler.schedule(this::look, tickMillis, TimeUnit.MILLISECONDS);
      }
    }

    private void look() {
      if (!connection.getEndPoint().isOpen()
          || connection.getEndPoint().getConnection() != connection) {
        return; // closed, or upgraded to a WebSocket, whose own timeouts apply
      }
      long now = System.nanoTime();
      long bytesNow = connection.getBytesIn();
      long messagesNow = connection.getMessagesIn();
      if (messagesNow != messages) {
        requestSinceNanos = -1; // a request completed; whatever follows is timed afresh
      } else if (bytesNow != bytes && requestSinceNanos < 0) {
        requestSinceNanos = lastLookNanos; // its first bytes came after the previous look
      }
      bytes = bytesNow;
      messages = messagesNow;
      lastLookNanos = now;
      if (requestSinceNanos >= 0 && now - requestSinceNanos >= timeoutNanos) {
        LOG.info("connection closed remote={} reason=request_too_slow timeoutMs={} bytes={}",
            connection.getEndPoint().getRemoteSocketAddress(), timeoutNanos / 1_000_000, bytes);
        connection.getEndPoint().close();
        return;
      }
      schedule();
    }
  }
}
