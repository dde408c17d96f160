package dev.tether.shim.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.protocol.CapturedFrame;
import dev.tether.protocol.TunnelMessage;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Predicate;

/**
 * What the snapshot points have to tell the relay, on its way: sent at once when the tunnel can
 * take it, else kept in a bounded queue until the next welcome; when the queue is full a hit is
 * dropped and counted, and the next hit that goes says how many were lost. Never blocks. Event
 * loop only.
 */
final class Outbox {
  static final int MAX_QUEUED = 64;

  /** The tunnel's {@code offer}: true when it took the message. */
  private final Predicate<TunnelMessage> tunnel;
  private final ArrayDeque<TunnelMessage> queue = new ArrayDeque<>();
  private int dropped;

  Outbox(Predicate<TunnelMessage> tunnel) {
    this.tunnel = tunnel;
  }

  void hit(String point, long at, double pauseMs, List<CapturedFrame> stack, JsonNode scopes,
      String log, boolean cut) {
    if (queue.size() >= MAX_QUEUED) {
      dropped++;
      return;
    }
    TunnelMessage.SnapshotHit hit =
        new TunnelMessage.SnapshotHit(point, at, pauseMs, stack, scopes, log, cut, dropped);
    dropped = 0;
    send(hit);
  }

  void send(TunnelMessage message) {
    flush();
    if (queue.isEmpty() && tunnel.test(message)) {
      return;
    }
    boolean hit = message instanceof TunnelMessage.SnapshotHit;
    // Hits fill the queue; a point's news (disabled, scripts) still fits behind them.
    if (queue.size() < (hit ? MAX_QUEUED : 2 * MAX_QUEUED)) {
      queue.add(message);
    } else if (hit) {
      dropped++;
    }
  }

  void flush() {
    while (!queue.isEmpty() && tunnel.test(queue.peek())) {
      queue.poll();
    }
  }
}
