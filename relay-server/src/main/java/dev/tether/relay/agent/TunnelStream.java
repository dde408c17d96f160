package dev.tether.relay.agent;

import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.DataFrame;
import dev.tether.protocol.ProtocolException;
import dev.tether.protocol.ReplayBuffer;
import dev.tether.protocol.StreamPosition;
import dev.tether.protocol.Tunnel;
import dev.tether.protocol.TunnelMessage;
import java.nio.ByteBuffer;
import java.util.List;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream of a tunnel (one DevTools session on one inspector socket) and its credit in both
 * directions; the same class carries a DevTools socket over a peer link to the relay node holding
 * its session ({@link StreamCarrier}), where the other node plays the shim's part. Towards the shim it never sends more than the shim granted; from the shim it accepts
 * no more than the relay granted, and grants more only after DevTools took what came.
 *
 * <p>It outlives a dropped tunnel: every data frame it sends stays in a {@link ReplayBuffer} until
 * the shim acknowledges it, so when the shim resumes on a new tunnel ({@link #resumeOn}) exactly
 * the frames it missed go again, in order. Credit bounds that buffer: while the tunnel is down
 * DevTools may fill the shim's window and then waits.
 *
 * <p>The window the relay grants the shim starts at what {@code Open} says and grows with the
 * link ({@link CreditWindow}, from the tunnel's measured round trip), up to a bound that holds
 * for a DevTools that stopped reading.
 */
public final class TunnelStream {
  private static final Logger LOG = LoggerFactory.getLogger(TunnelStream.class);

  private final int id;
  private final StreamPeer peer;
  private final long window;
  private final CreditWindow receiveWindow;
  private long creditBatch;
  private final ReplayBuffer<ByteBuffer> replay = new ReplayBuffer<>(frame -> {});

  private volatile StreamCarrier tunnel;
  private String target;
  private String sessionId;
  private boolean opened;
  private boolean closed;
  private long sendCredit;
  private long creditReceived;
  private long receiveAllowance;
  private long passedUncredited;
  private long received;
  private long credited;
  private long lastAck;

  public TunnelStream(int id, StreamCarrier tunnel, StreamPeer peer, long window) {
    this.id = id;
    this.tunnel = tunnel;
    this.peer = peer;
    this.window = window;
    this.receiveAllowance = window;
    this.receiveWindow = new CreditWindow(window, Math.max(window, CreditWindow.MAX));
    this.creditBatch = Math.max(1, window / 4);
  }

  public int id() {
    return id;
  }

  /** Asks the shim to open an inspector session on {@code target}; it answers opened or close. */
  public void open(String target, String sessionId) {
    synchronized (this) {
      this.target = target;
      this.sessionId = sessionId;
    }
    tunnel.send(new TunnelMessage.Open(id, target, sessionId, window));
  }

  /**
   * Bytes the relay may send the shim right now; 0 until the shim opened the stream, and while
   * too many frames wait for the shim's acknowledgement.
   */
  public synchronized long sendable() {
    return opened && !closed && !replay.full() ? sendCredit : 0;
  }

  public synchronized boolean isOpened() {
    return opened && !closed;
  }

  /**
   * Sends as much of {@code bytes} towards the target as the shim's credit allows now, as data
   * frames of at most {@link DataFrame#MAX_CHUNK} bytes, and moves {@code bytes}' position past
   * what it took. True when all of it went ({@code fin} with the last frame); false when the rest
   * waits for credit ({@link StreamPeer#onCredit} says when to offer it again) or the stream is
   * not open. The bytes are copied once, into the frame that is written and kept for a resume;
   * the caller's buffer is free again as soon as this returns. While the tunnel is down a frame
   * goes when the shim resumes.
   */
  public boolean offer(ByteBuffer bytes, boolean fin) {
    synchronized (this) {
      if (!opened || closed) {
        return false;
      }
      if (!bytes.hasRemaining()) {
        if (fin) {
          send(bytes, true);
        }
        return true;
      }
      while (bytes.hasRemaining() && sendCredit > 0 && !replay.full()) {
        int size = (int) Math.min(Math.min(bytes.remaining(), sendCredit), DataFrame.MAX_CHUNK);
        ByteBuffer piece = bytes.slice(bytes.position(), size);
        bytes.position(bytes.position() + size);
        send(piece, fin && !bytes.hasRemaining());
      }
      return !bytes.hasRemaining();
    }
  }

  private void send(ByteBuffer piece, boolean fin) {
    sendCredit -= piece.remaining();
    ByteBuffer frame = DataFrame.encode(id, fin, piece);
    replay.add(frame);
    // Written under the lock, so a resume's replay and new frames cannot overtake each other.
    tunnel.sendFrame(frame.duplicate());
  }

  /**
   * Moves the stream to a resuming tunnel and says how far it got receiving from the shim, in one
   * step: from now on frames that still arrive on the old connection are ignored, so none is
   * counted after the position was taken (the shim sends those again).
   */
  synchronized StreamPosition takeOver(AgentTunnel next) {
    tunnel = next;
    return new StreamPosition(id, received, credited);
  }

  synchronized boolean awaitsOpened() {
    return !opened && !closed;
  }

  /**
   * Moves this stream to the shim's new tunnel: forgets what the shim says it received, adds any
   * credit whose message was lost with the old tunnel, and sends the missing frames again.
   */
  void resumeOn(AgentTunnel next, StreamPosition shim) throws ProtocolException {
    synchronized (this) {
      if (closed) {
        return;
      }
      tunnel = next;
      List<ByteBuffer> missing = replay.resumeAfter(shim.received());
      addCredit(shim.credited() - creditReceived);
      for (ByteBuffer frame : missing) {
        next.sendFrame(frame.duplicate());
      }
    }
    notifyPeer(peer::onCredit);
  }

  /** The shim never saw this stream's open (it was lost with the old tunnel): ask again. */
  void reopenOn(AgentTunnel next) {
    String t;
    String s;
    synchronized (this) {
      tunnel = next;
      t = target;
      s = sessionId;
    }
    if (t != null) {
      next.send(new TunnelMessage.Open(id, t, s, window));
    }
  }

  /** Ends the stream from the relay's side; the shim closes its inspector socket. */
  public void close(int code, String reason) {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      replay.clear();
    }
    tunnel.streamEnded(this, new TunnelMessage.Close(id, code, reason));
  }

  public void onOpened(StreamCarrier from, long window) {
    synchronized (this) {
      if (from != tunnel || opened || closed) {
        return;
      }
      opened = true;
      sendCredit = window;
    }
    notifyPeer(peer::onOpened);
  }

  public void onCredit(StreamCarrier from, long bytes, long ack) throws ProtocolException {
    synchronized (this) {
      if (from != tunnel || closed) {
        return;
      }
      replay.ack(ack);
      addCredit(bytes);
    }
    notifyPeer(peer::onCredit);
  }

  private void addCredit(long bytes) {
    if (bytes > 0) {
      sendCredit = Math.addExact(sendCredit, bytes);
      creditReceived += bytes;
    }
  }

  /** A data chunk from the shim; more than its credit allows is a protocol error. */
  public void onData(StreamCarrier from, ByteBuffer payload, boolean fin)
      throws ProtocolException {
    int length = payload.remaining();
    synchronized (this) {
      if (from != tunnel || closed) {
        return;
      }
      if (length > receiveAllowance) {
        throw new ProtocolException(
            "stream " + id + " received " + length + " bytes with only " + receiveAllowance
                + " bytes of credit left");
      }
      receiveAllowance -= length;
      received++;
      if (received - lastAck >= Tunnel.ACK_EVERY) {
        lastAck = received;
        tunnel.send(new TunnelMessage.Credit(id, 0, received));
      }
    }
    ByteBuffer copy = ByteBuffer.allocate(length).put(payload).flip();
    notifyPeer(() -> peer.onData(copy, fin, Callback.from(() -> passed(length), failure -> {})));
  }

  /** The shim closed the stream, or the tunnel is gone. */
  public void onClosed(int code, String reason) {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      replay.clear();
    }
    tunnel.streamEnded(this, null);
    try {
      peer.onStreamClosed(code, reason);
    } catch (RuntimeException e) {
      LOG.warn("stream close failed stream={} cause={}", id, e.toString(), e);
    }
  }

  /** A failing peer ends its own stream, never the tunnel the other streams share. */
  private void notifyPeer(Runnable event) {
    try {
      event.run();
    } catch (RuntimeException e) {
      LOG.warn("stream failed stream={} cause={}", id, e.toString(), e);
      String reason = "the relay failed on this stream; reconnect";
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        replay.clear();
      }
      tunnel.streamEnded(this, new TunnelMessage.Close(id, CloseCodes.INTERNAL_ERROR, reason));
      try {
        peer.onStreamClosed(CloseCodes.INTERNAL_ERROR, reason);
      } catch (RuntimeException again) {
        LOG.warn("stream close failed stream={} cause={}", id, again.toString());
      }
    }
  }

  private void passed(long bytes) {
    synchronized (this) {
      if (closed) {
        return;
      }
      StreamCarrier t = tunnel;
      long grown = receiveWindow.onPassed(bytes, System.nanoTime(),
          t == null ? 0 : t.roundTripNanos());
      passedUncredited += bytes;
      if (passedUncredited < creditBatch && grown == 0) {
        return;
      }
      creditBatch = Math.max(1, receiveWindow.size() / 4);
      long grant = passedUncredited + grown;
      passedUncredited = 0;
      receiveAllowance += grant;
      credited += grant;
      lastAck = received;
      // Sent under the lock so grants leave in the order they were counted; while the tunnel is
      // down this is lost, and the resume's positions carry it instead.
      tunnel.send(new TunnelMessage.Credit(id, grant, received));
    }
  }
}
