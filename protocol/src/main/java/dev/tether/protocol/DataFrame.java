package dev.tether.protocol;

import java.nio.ByteBuffer;

/**
 * The layout of a binary tunnel frame: a 5-byte header (stream id as a big-endian int, then a
 * flags byte) followed by CDP bytes, untouched.
 *
 * <p>A CDP message larger than {@link #MAX_CHUNK} travels as several frames of one stream; the
 * last carries {@link #FIN}. The receiver forwards each chunk as it comes (a WebSocket
 * continuation frame towards DevTools), so no hop ever holds a whole 50 MB heap-snapshot message
 * on the tunnel's behalf.
 */
public final class DataFrame {
  public static final int HEADER_BYTES = 5;
  /** Flag: this chunk ends a CDP message. */
  public static final byte FIN = 0x01;
  /** The largest payload of one data frame. */
  public static final int MAX_CHUNK = 64 * 1024;

  private DataFrame() {}

  /** A new buffer holding header and payload, ready to send (position 0). */
  public static ByteBuffer encode(int stream, boolean fin, ByteBuffer payload) {
    ByteBuffer frame = ByteBuffer.allocate(HEADER_BYTES + payload.remaining());
    writeHeader(frame, stream, fin);
    frame.put(payload.duplicate());
    return frame.flip();
  }

  /** Writes the header at the buffer's position, for callers that assemble frames themselves. */
  public static void writeHeader(ByteBuffer target, int stream, boolean fin) {
    target.putInt(stream).put(fin ? FIN : 0);
  }

  /** Reads a frame without copying: the payload is a slice of {@code frame}. */
  public static Chunk decode(ByteBuffer frame) throws ProtocolException {
    if (frame.remaining() < HEADER_BYTES) {
      throw new ProtocolException(
          "data frame of " + frame.remaining() + " bytes is shorter than its header");
    }
    int position = frame.position();
    int stream = frame.getInt(position);
    byte flags = frame.get(position + 4);
    if (stream <= 0) {
      throw new ProtocolException("data frame names stream " + stream + "; stream ids are positive");
    }
    if ((flags & ~FIN) != 0) {
      throw new ProtocolException("data frame has unknown flags " + flags);
    }
    ByteBuffer payload = frame.slice(position + HEADER_BYTES, frame.remaining() - HEADER_BYTES);
    if (payload.remaining() > MAX_CHUNK) {
      throw new ProtocolException(
          "data frame payload of " + payload.remaining() + " bytes exceeds " + MAX_CHUNK);
    }
    return new Chunk(stream, (flags & FIN) != 0, payload);
  }

  /** One decoded data frame. */
  public record Chunk(int stream, boolean fin, ByteBuffer payload) {}
}
