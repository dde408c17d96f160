package dev.tether.protocol;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The data frames one side sent on one stream and the other has not acknowledged yet, oldest
 * first, so a resumed tunnel can send exactly the missing ones again. Frames are numbered from 1
 * in the order they were added.
 *
 * <p>It never grows by itself beyond what credit allows: the sender adds a frame only within its
 * credit, and {@link #full()} tells it to stop at {@link Tunnel#MAX_UNACKED_FRAMES}. Not
 * thread-safe; {@code release} frees a frame that is no longer needed (a Netty buffer, say).
 *
 * @param <F> a sent frame
 */
public final class ReplayBuffer<F> {
  private final ArrayDeque<F> unacked = new ArrayDeque<>();
  private final Consumer<F> release;
  private long sent;

  public ReplayBuffer(Consumer<F> release) {
    this.release = release;
  }

  /** Keeps a frame that is being sent now; it gets number {@link #sent()}. */
  public void add(F frame) {
    unacked.addLast(frame);
    sent++;
  }

  /** The number of frames added so far. */
  public long sent() {
    return sent;
  }

  /** The number of frames the other side confirmed. */
  public long acked() {
    return sent - unacked.size();
  }

  public int size() {
    return unacked.size();
  }

  /** True when the sender must wait for an acknowledgement before sending more. */
  public boolean full() {
    return unacked.size() >= Tunnel.MAX_UNACKED_FRAMES;
  }

  /**
   * The other side has received the first {@code received} frames; they are released. An older
   * acknowledgement than one seen before changes nothing.
   *
   * @throws ProtocolException when it acknowledges frames never sent
   */
  public void ack(long received) throws ProtocolException {
    if (received > sent) {
      throw new ProtocolException(
          "acknowledged " + received + " data frames of a stream that sent " + sent);
    }
    while (acked() < received) {
      release.accept(unacked.removeFirst());
    }
  }

  /**
   * After a resume: releases what {@code received} confirms and returns the rest, in order, to be
   * sent again; the frames stay here until acknowledged.
   */
  public List<F> resumeAfter(long received) throws ProtocolException {
    ack(received);
    return new ArrayList<>(unacked);
  }

  /** Releases everything (the stream ended). */
  public void clear() {
    unacked.forEach(release);
    unacked.clear();
  }
}
