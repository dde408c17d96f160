package dev.tether.relay.cluster;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * What a {@link PeerLink} writes, in the order it was given: the JDK's WebSocket takes one send
 * at a time, so each message waits here for the one before it. It holds no more than the link's
 * streams may send (each stream's credit bounds its data frames; control messages are small and
 * few per frame of data), so it needs no bound of its own.
 */
final class PeerOutbox {
  private sealed interface Outgoing {}

  private record Text(String json) implements Outgoing {}

  private record Binary(ByteBuffer frame) implements Outgoing {}

  private record Ping(ByteBuffer payload) implements Outgoing {}

  private final Queue<Outgoing> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean sending = new AtomicBoolean(true); // until connected
  private final Consumer<String> failed;
  private volatile WebSocket socket;
  private volatile boolean closed;

  PeerOutbox(Consumer<String> failed) {
    this.failed = failed;
  }

  void connected(WebSocket socket) {
    this.socket = socket;
    sending.set(false);
    drain();
  }

  void text(String json) {
    offer(new Text(json));
  }

  void binary(ByteBuffer frame) {
    offer(new Binary(frame));
  }

  void ping(ByteBuffer payload) {
    offer(new Ping(payload));
  }

  private void offer(Outgoing message) {
    if (closed) {
      return;
    }
    queue.add(message);
    drain();
  }

  /** Sends what waits, one message at a time; a send that completes later drains on. */
  private void drain() {
    while (!closed && sending.compareAndSet(false, true)) {
      Outgoing next = queue.poll();
      if (next == null) {
        sending.set(false);
        if (queue.isEmpty()) {
          return;
        }
        continue;
      }
      CompletableFuture<WebSocket> sent;
      try {
        sent = write(next);
      } catch (RuntimeException e) {
        sending.set(false);
        failed.accept("a write failed (" + e.getClass().getSimpleName() + ")");
        return;
      }
      if (sent.isDone() && !sent.isCompletedExceptionally()) {
        sending.set(false);
        continue;
      }
      sent.whenComplete((ws, error) -> {
        sending.set(false);
        if (error != null) {
          failed.accept("a write failed (" + error.getClass().getSimpleName() + ")");
          return;
        }
        drain();
      });
      return;
    }
  }

  private CompletableFuture<WebSocket> write(Outgoing message) {
    WebSocket s = socket;
    if (message instanceof Text t) {
      return s.sendText(t.json(), true);
    } else if (message instanceof Binary b) {
      return s.sendBinary(b.frame(), true);
    }
    return s.sendPing(((Ping) message).payload());
  }

  /** Says goodbye after what waits (best effort) and takes nothing more. */
  void close(int code, String reason) {
    WebSocket s = socket;
    closed = true;
    queue.clear();
    if (s != null) {
      s.sendClose(code, reason);
    }
  }

  /** Drops what waits and the connection with it. */
  void abort() {
    closed = true;
    queue.clear();
    WebSocket s = socket;
    if (s != null) {
      s.abort();
    }
  }
}
