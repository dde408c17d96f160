package dev.tether.shim.stream;

import dev.tether.protocol.DataFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The shim-to-relay half of one stream: inspector messages cut into data frames of at most
 * {@link DataFrame#MAX_CHUNK} bytes, never more than the relay's credit allows.
 *
 * <p>The queue holds only what one read from the inspector delivered: the stream reads again only
 * once the queue is empty and credit remains, so nothing here grows without bound.
 */
final class Outbound {
  private final int stream;
  private final ArrayDeque<Message> queue = new ArrayDeque<>();
  private long credit;
  private long creditReceived;

  Outbound(int stream, long window) {
    this.stream = stream;
    this.credit = window;
  }

  /** Queues one inspector frame; this takes ownership of {@code content}. */
  void offer(ByteBuf content, boolean fin) {
    queue.add(new Message(content, fin));
  }

  /** The relay passed {@code bytes} on: that many more may be sent. */
  void grant(long bytes) {
    credit = Math.addExact(credit, bytes);
    creditReceived += bytes;
  }

  /**
   * After a resume: the relay has granted {@code total} bytes so far; adds whatever part of that
   * was lost with the old tunnel.
   */
  void grantedInTotal(long total) {
    if (total > creditReceived) {
      grant(total - creditReceived);
    }
  }

  /** The data frames (header and payload) that may be sent now, in order; the caller writes them. */
  List<ByteBuf> drain(ByteBufAllocator alloc) {
    List<ByteBuf> frames = new ArrayList<>();
    while (!queue.isEmpty()) {
      Message message = queue.peek();
      int readable = message.content.readableBytes();
      if (readable == 0) {
        if (message.fin) {
          frames.add(frame(alloc, message, 0, true));
        }
        queue.poll().content.release();
        continue;
      }
      int size = (int) Math.min(Math.min(readable, DataFrame.MAX_CHUNK), credit);
      if (size == 0) {
        break;
      }
      boolean last = size == readable;
      frames.add(frame(alloc, message, size, last && message.fin));
      credit -= size;
      if (last) {
        queue.poll().content.release();
      }
    }
    return frames;
  }

  /** True when everything offered has been cut into frames. */
  boolean isEmpty() {
    return queue.isEmpty();
  }

  /** True when the stream may read the inspector's next message. */
  boolean wantsMore() {
    return queue.isEmpty() && credit > 0;
  }

  long credit() {
    return credit;
  }

  void release() {
    queue.forEach(message -> message.content.release());
    queue.clear();
  }

  private ByteBuf frame(ByteBufAllocator alloc, Message message, int size, boolean fin) {
    ByteBuf frame = alloc.buffer(DataFrame.HEADER_BYTES + size);
    frame.writeInt(stream).writeByte(fin ? DataFrame.FIN : 0);
    frame.writeBytes(message.content, size);
    return frame;
  }

  private record Message(ByteBuf content, boolean fin) {}
}
