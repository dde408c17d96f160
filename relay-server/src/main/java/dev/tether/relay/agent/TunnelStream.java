package dev.tether.relay.agent;

import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.ProtocolException;
import dev.tether.protocol.TunnelMessage;
import java.nio.ByteBuffer;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream of a tunnel (one DevTools session on one inspector socket) and its credit in both
 * directions. Towards the shim it never sends more than the shim granted; from the shim it accepts
 * no more than the relay granted, and grants more only after DevTools took what came.
 */
public final class TunnelStream {
  private static final Logger LOG = LoggerFactory.getLogger(TunnelStream.class);

  private final int id;
  private final AgentTunnel tunnel;
  private final StreamPeer peer;
  private final long creditBatch;
  private final long window;

  private boolean opened;
  private boolean closed;
  private long sendCredit;
  private long receiveAllowance;
  private long passedUncredited;

  TunnelStream(int id, AgentTunnel tunnel, StreamPeer peer, long window) {
    this.id = id;
    this.tunnel = tunnel;
    this.peer = peer;
    this.window = window;
    this.receiveAllowance = window;
    this.creditBatch = Math.max(1, window / 4);
  }

  public int id() {
    return id;
  }

  /** Asks the shim to open an inspector session on {@code target}; it answers opened or close. */
  public void open(String target, String sessionId) {
    tunnel.send(new TunnelMessage.Open(id, target, sessionId, window));
  }

  /** Bytes the relay may send the shim right now; 0 until the shim opened the stream. */
  public synchronized long sendable() {
    return opened && !closed ? sendCredit : 0;
  }

  public synchronized boolean isOpened() {
    return opened && !closed;
  }

  /**
   * Sends a chunk of a CDP message towards the target; {@code payload} must fit {@link
   * #sendable()}. {@code sent} completes when the tunnel wrote it.
   */
  public void send(ByteBuffer payload, boolean fin, Callback sent) {
    synchronized (this) {
      if (closed) {
        sent.failed(new IllegalStateException("stream " + id + " is closed"));
        return;
      }
      if (!opened || payload.remaining() > sendCredit) {
        throw new IllegalStateException(
            "stream " + id + " has " + sendCredit + " bytes of credit, not " + payload.remaining());
      }
      sendCredit -= payload.remaining();
    }
    tunnel.sendData(id, payload, fin, sent);
  }

  /** Ends the stream from the relay's side; the shim closes its inspector socket. */
  public void close(int code, String reason) {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    tunnel.streamEnded(this, new TunnelMessage.Close(id, code, reason));
  }

  void onOpened(long window) {
    synchronized (this) {
      if (opened || closed) {
        return;
      }
      opened = true;
      sendCredit = window;
    }
    notifyPeer(peer::onOpened);
  }

  void onCredit(long bytes) {
    synchronized (this) {
      if (closed) {
        return;
      }
      sendCredit = Math.addExact(sendCredit, bytes);
    }
    notifyPeer(peer::onCredit);
  }

  /** A data chunk from the shim; more than its credit allows is a protocol error. */
  void onData(ByteBuffer payload, boolean fin) throws ProtocolException {
    int length = payload.remaining();
    synchronized (this) {
      if (closed) {
        return;
      }
      if (length > receiveAllowance) {
        throw new ProtocolException(
            "stream " + id + " received " + length + " bytes with only " + receiveAllowance
                + " bytes of credit left");
      }
      receiveAllowance -= length;
    }
    ByteBuffer copy = ByteBuffer.allocate(length).put(payload).flip();
    notifyPeer(() -> peer.onData(copy, fin, Callback.from(() -> passed(length), failure -> {})));
  }

  /** The shim closed the stream, or the tunnel is gone. */
  void onClosed(int code, String reason) {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
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
    long grant;
    synchronized (this) {
      if (closed) {
        return;
      }
      passedUncredited += bytes;
      if (passedUncredited < creditBatch) {
        return;
      }
      grant = passedUncredited;
      passedUncredited = 0;
      receiveAllowance += grant;
    }
    tunnel.send(new TunnelMessage.Credit(id, grant));
  }
}
