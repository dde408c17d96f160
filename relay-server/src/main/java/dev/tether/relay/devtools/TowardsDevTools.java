package dev.tether.relay.devtools;

import dev.tether.relay.metrics.RelayMetrics;
import dev.tether.relay.metrics.RelayMetrics.Direction;
import dev.tether.relay.policy.SessionGuard;
import dev.tether.relay.session.Session;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;

/**
 * The target→DevTools direction of one {@link DevToolsConnection}: each chunk from the tunnel
 * stream is written as a text or continuation frame, and its credit flows back to the shim only
 * once the write completed. The relay's own answers (a refused command's CDP error) go between
 * the target's messages, never inside one.
 *
 * <p>The chunk is the stream's copy (it must leave the tunnel's read buffer at once so no other
 * stream waits); this direction writes it as it is.
 */
final class TowardsDevTools {
  private final Session session;
  private final SessionGuard guard;
  private final RelayMetrics metrics;

  // Guarded by this: the order of frames on the socket.
  private boolean midMessage;
  private ByteBuffer heldAnswer;
  private Runnable heldAnswerWritten;

  TowardsDevTools(Session session, SessionGuard guard, RelayMetrics metrics) {
    this.session = session;
    this.guard = guard;
    this.metrics = metrics;
  }

  /** Writes one chunk of a target message that passed the guard; {@code written} gives credit. */
  void write(CoreSession socket, ByteBuffer chunk, boolean fin, Callback written) {
    session.traffic().toClient(chunk.remaining(), fin);
    long arrived = System.nanoTime();
    metrics.passed(Direction.TO_DEVTOOLS, chunk.remaining(), fin);
    int length = chunk.remaining();
    synchronized (this) {
      byte opcode = midMessage ? OpCode.CONTINUATION : OpCode.TEXT;
      midMessage = !fin;
      guard.queued(length);
      socket.sendFrame(new Frame(opcode, fin, chunk), Callback.from(() -> {
        guard.written(length);
        metrics.relayed(Direction.TO_DEVTOOLS, System.nanoTime() - arrived);
        written.succeeded();
      }, written::failed), false);
      if (fin && heldAnswer != null) {
        sendAnswer(socket, heldAnswer, heldAnswerWritten);
        heldAnswer = null;
        heldAnswerWritten = null;
      }
    }
  }

  /**
   * Sends the relay's own reply to DevTools between the target's messages; {@code written} runs
   * once it is written (the connection then reads DevTools' next frame, so there is never more
   * than one).
   */
  void answer(CoreSession socket, String json, Runnable written) {
    ByteBuffer bytes = ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8));
    synchronized (this) {
      if (midMessage) {
        heldAnswer = bytes;
        heldAnswerWritten = written;
      } else {
        sendAnswer(socket, bytes, written);
      }
    }
  }

  private void sendAnswer(CoreSession socket, ByteBuffer bytes, Runnable written) {
    int length = bytes.remaining();
    guard.queued(length);
    socket.sendFrame(new Frame(OpCode.TEXT, true, bytes), Callback.from(() -> {
      guard.written(length);
      written.run();
    }, failure -> { }), false);
  }
}
