package dev.tether.shim.stream;

import dev.tether.protocol.CloseCodes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;

/**
 * The relay-to-shim half of one stream: data chunks gathered into whole CDP messages for Node's
 * inspector (which takes one WebSocket frame per message), and the credit to grant back.
 *
 * <p>Credit rule: while a message is being written to the inspector, no credit is granted, so the
 * relay can send at most one window more; once no write is in flight, all bytes received so far
 * are granted once they reach a quarter of the window, or, in the middle of a message larger than
 * the window, half a window. Memory per stream stays below {@code maxMessageBytes} plus one
 * window.
 *
 * <p>Granting in quarters (as the relay does towards the shim) means a console round trip of a
 * few hundred bytes sends no credit message of its own: before, every command written to the
 * inspector sent one, a tunnel frame the relay woke up to read just before the reply came. The
 * relay still holds three quarters of the window for the next message, so it never waits for
 * credit that small messages owe; the acknowledgements the resume needs still go every {@code
 * Tunnel.ACK_EVERY} frames.
 */
final class Inbound {
  private final long window;
  private final long maxMessageBytes;
  private CompositeByteBuf partial;
  private long uncredited;
  private int writesInFlight;

  Inbound(long window, long maxMessageBytes) {
    this.window = window;
    this.maxMessageBytes = maxMessageBytes;
  }

  /** What one chunk did to the stream. */
  sealed interface Outcome {}

  /** The message continues in a later chunk. */
  record NeedMore() implements Outcome {}

  /** A whole message, owned by the caller, ready for the inspector. */
  record Message(ByteBuf content) implements Outcome {}

  /** The chunk broke a rule; the stream must close with this code and reason. */
  record Refused(int code, String reason) implements Outcome {}

  /** Takes one chunk (and ownership of {@code payload}). */
  Outcome accept(ByteBuf payload, boolean fin) {
    int size = payload.readableBytes();
    if (uncredited + size > window) {
      payload.release();
      return new Refused(
          CloseCodes.PROTOCOL_ERROR,
          "the relay sent " + (uncredited + size) + " bytes on a stream with a window of " + window);
    }
    long gathered = partial == null ? 0 : partial.readableBytes();
    if (gathered + size > maxMessageBytes) {
      payload.release();
      return new Refused(
          CloseCodes.MESSAGE_TOO_BIG,
          "a CDP message for the inspector exceeds the shim's limit of " + maxMessageBytes
              + " bytes");
    }
    uncredited += size;
    if (fin && partial == null) {
      return new Message(payload);
    }
    if (partial == null) {
      partial = Unpooled.compositeBuffer(Integer.MAX_VALUE);
    }
    partial.addComponent(true, payload);
    if (!fin) {
      return new NeedMore();
    }
    ByteBuf message = partial;
    partial = null;
    return new Message(message);
  }

  /** A message returned by {@link #accept} is being written to the inspector. */
  void writeStarted() {
    writesInFlight++;
  }

  /** That write ended (either way). */
  void writeFinished() {
    writesInFlight--;
  }

  /** The bytes to grant back now, or 0; a positive answer is counted as granted. */
  long takeCredit() {
    if (writesInFlight > 0 || uncredited == 0) {
      return 0;
    }
    boolean midMessage = partial != null && partial.isReadable();
    if (uncredited < (midMessage ? window / 2 : Math.max(1, window / 4))) {
      return 0;
    }
    long grant = uncredited;
    uncredited = 0;
    return grant;
  }

  void release() {
    if (partial != null) {
      partial.release();
      partial = null;
    }
  }
}
