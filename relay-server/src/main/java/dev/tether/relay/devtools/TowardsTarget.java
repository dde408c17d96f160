package dev.tether.relay.devtools;

import dev.tether.relay.agent.TunnelStream;
import dev.tether.relay.metrics.RelayMetrics;
import dev.tether.relay.metrics.RelayMetrics.Direction;
import java.nio.ByteBuffer;
import org.eclipse.jetty.util.Callback;

/**
 * The DevTools→target direction of one {@link DevToolsConnection}: at most one DevTools frame at a
 * time, offered to the tunnel stream straight from the buffer it arrived in, within the stream's
 * credit. The frame's callback completes, and the next frame is demanded, only once the stream
 * took the whole frame (its one copy, into the tunnel frame), so a DevTools that sends faster than
 * the function reads waits in its own socket, not in the relay. The relay's own whole messages
 * (the pause guard's resume) go at the next gap between the client's messages.
 *
 * <p>Owns the frame it holds until the stream took it; the stream owns the copy after that.
 */
final class TowardsTarget {
  /** What the direction asks of its connection. */
  interface Reader {
    /** Reads DevTools' next frame. */
    void demand();
  }

  private final Reader reader;
  private final RelayMetrics metrics;

  // All guarded by this.
  private TunnelStream stream;
  private boolean closed;
  private ByteBuffer pending; // the client frame waiting to go, a view of Jetty's buffer
  private boolean pendingFin;
  private Callback pendingFrame;
  private long pendingSince;
  private ByteBuffer injected; // the relay's own whole message, sent at the next gap
  private ByteBuffer current; // what is being offered, piece by piece within credit
  private boolean currentFin;
  private Callback currentFrame; // null for the relay's own message
  private long currentSince;
  private boolean targetMidMessage;

  TowardsTarget(Reader reader, RelayMetrics metrics) {
    this.reader = reader;
    this.metrics = metrics;
  }

  /** The stream the bytes go to; nothing goes before the shim opened it. */
  synchronized void streamIs(TunnelStream opened) {
    stream = opened;
  }

  /**
   * A frame the gate lets through; {@code frame} completes (and the next frame is read) once the
   * stream took all of {@code bytes}, which stay untouched until then.
   */
  void forward(ByteBuffer bytes, boolean fin, Callback frame, long arrivedNanos) {
    synchronized (this) {
      if (closed) {
        frame.succeeded();
        return;
      }
      pending = bytes;
      pendingFin = fin;
      pendingFrame = frame;
      pendingSince = arrivedNanos;
    }
    pump();
  }

  /** Queues a whole message of the relay's own towards the target, sent at the next gap. */
  void inject(byte[] message) {
    synchronized (this) {
      if (closed) {
        return;
      }
      injected = ByteBuffer.wrap(message);
    }
    pump();
  }

  /**
   * Offers what waits to the stream, as far as its credit goes; called when a frame comes, and
   * when the stream opened or got credit. A client frame taken whole re-arms the reading.
   */
  void pump() {
    Callback taken = null;
    long since = 0;
    synchronized (this) {
      TunnelStream s = stream;
      if (closed || s == null || !s.isOpened()) {
        return;
      }
      while (true) {
        if (current == null) {
          if (injected != null && !targetMidMessage) {
            current = injected;
            injected = null;
            currentFin = true;
            currentFrame = null;
          } else if (pending != null) {
            current = pending;
            currentFin = pendingFin;
            currentFrame = pendingFrame;
            currentSince = pendingSince;
            targetMidMessage = !pendingFin;
            pending = null;
            pendingFrame = null;
          } else {
            break;
          }
        }
        if (!s.offer(current, currentFin)) {
          break; // onCredit calls again
        }
        if (currentFrame != null) {
          taken = currentFrame;
          since = currentSince;
        }
        current = null;
        currentFrame = null;
      }
    }
    if (taken != null) {
      metrics.relayed(Direction.TO_TARGET, System.nanoTime() - since);
      taken.succeeded();
      reader.demand();
    }
  }

  /** Nothing more goes; a frame still held is handed back to Jetty, unread further. */
  void close() {
    Callback held;
    Callback waiting;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      held = currentFrame;
      waiting = pendingFrame;
      current = null;
      currentFrame = null;
      pending = null;
      pendingFrame = null;
      injected = null;
    }
    if (held != null) {
      held.succeeded();
    }
    if (waiting != null) {
      waiting.succeeded();
    }
  }
}
