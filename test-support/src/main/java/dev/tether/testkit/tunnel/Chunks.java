package dev.tether.testkit.tunnel;

import dev.tether.protocol.DataFrame;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Cuts CDP messages into tunnel chunks and puts them back together, as both ends of the tunnel
 * do: at most {@link DataFrame#MAX_CHUNK} payload bytes a chunk, {@code fin} on the last one.
 */
public final class Chunks {
  private final Map<Integer, ByteArrayOutputStream> partial = new ConcurrentHashMap<>();

  /** The chunks of one message on {@code stream}; an empty message is one empty final chunk. */
  public static List<DataFrame.Chunk> split(int stream, byte[] message) {
    List<DataFrame.Chunk> chunks = new ArrayList<>();
    int offset = 0;
    do {
      int size = Math.min(DataFrame.MAX_CHUNK, message.length - offset);
      boolean fin = offset + size == message.length;
      chunks.add(new DataFrame.Chunk(stream, fin, ByteBuffer.wrap(message, offset, size).slice()));
      offset += size;
    } while (offset < message.length);
    return chunks;
  }

  /** {@link #split(int, byte[])} of a text message in UTF-8. */
  public static List<DataFrame.Chunk> split(int stream, String message) {
    return split(stream, message.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Adds one received chunk (its payload is copied, not kept); returns the whole message as text
   * when this chunk ends it, else null.
   */
  public String gather(DataFrame.Chunk chunk) {
    ByteBuffer payload = chunk.payload().duplicate();
    byte[] bytes = new byte[payload.remaining()];
    payload.get(bytes);
    ByteArrayOutputStream gathered =
        partial.computeIfAbsent(chunk.stream(), s -> new ByteArrayOutputStream());
    synchronized (gathered) {
      gathered.writeBytes(bytes);
      if (!chunk.fin()) {
        return null;
      }
      partial.remove(chunk.stream());
      return gathered.toString(StandardCharsets.UTF_8);
    }
  }

  /** Forgets the part of a message gathered so far on {@code stream} (the stream closed). */
  public void forget(int stream) {
    partial.remove(stream);
  }
}
