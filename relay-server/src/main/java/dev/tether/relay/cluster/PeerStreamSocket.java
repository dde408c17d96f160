package dev.tether.relay.cluster;

import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.DataFrame;
import dev.tether.protocol.ProtocolException;
import dev.tether.protocol.Tunnel;
import dev.tether.protocol.TunnelMessage;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.OutgoingEntry;

/**
 * On the node holding a session, the DevTools socket of a client that landed on another node, as
 * the session's own handler sees it: one stream of the peer link dressed as a Jetty {@link
 * CoreSession}. So the peered client is admitted, read, limited and audited by the very handler
 * of a local socket ({@code DevToolsConnection} or a function session's window). Frames from the
 * client are handed over one per {@link #demand()}, and their credit goes back to the landing
 * node once the handler took them; frames towards the client leave within the credit the landing
 * node granted, and their callbacks complete when they left, which is what holds the handler (and
 * behind it the shim's stream) back when the client reads slowly. Both queues are bounded by
 * credit: the landing node never sends more than {@link Tunnel#DEFAULT_WINDOW} unread, and the
 * handler writes no more than its own stream's credit allows.
 */
final class PeerStreamSocket extends CoreSession.Empty {
  private record Outgoing(ByteBuffer bytes, boolean fin, Callback callback) {}

  private record Incoming(ByteBuffer bytes, boolean fin) {}

  private final int id;
  private final PeerEndpoint link;
  private final FrameHandler handler;
  private final long window = Tunnel.DEFAULT_WINDOW;
  private final String remote;

  // All guarded by this.
  private final Deque<Outgoing> outgoing = new ArrayDeque<>();
  private final Deque<Incoming> incoming = new ArrayDeque<>();
  private long sendCredit;
  private long receiveAllowance = window;
  private long received;
  private long lastAck;
  private long passedUncredited;
  private boolean demanded;
  private boolean delivering;
  private boolean midMessage; // of the client's message being handed to the handler
  private boolean closed;

  PeerStreamSocket(int id, PeerEndpoint link, FrameHandler handler, long sendCredit,
      String remote) {
    this.id = id;
    this.link = link;
    this.handler = handler;
    this.sendCredit = sendCredit;
    this.remote = remote;
  }

  int id() {
    return id;
  }

  void start() {
    handler.onOpen(this, Callback.NOOP);
  }

  // ---- from the client (the landing node) towards the handler

  /** A chunk of the client's message; more than the credit granted is a protocol error. */
  void onData(ByteBuffer payload, boolean fin) throws ProtocolException {
    synchronized (this) {
      if (closed) {
        return;
      }
      if (payload.remaining() > receiveAllowance) {
        throw new ProtocolException("stream " + id + " received " + payload.remaining()
            + " bytes with only " + receiveAllowance + " bytes of credit left");
      }
      receiveAllowance -= payload.remaining();
      received++;
      incoming.add(new Incoming(ByteBuffer.allocate(payload.remaining()).put(payload).flip(),
          fin));
      if (received - lastAck >= Tunnel.ACK_EVERY) {
        lastAck = received;
        link.send(new TunnelMessage.Credit(id, 0, received));
      }
    }
    deliver();
  }

  @Override
  public void demand() {
    synchronized (this) {
      demanded = true;
    }
    deliver();
  }

  /** Hands the handler one frame per demand; a demand made while it reads is taken by the loop. */
  private void deliver() {
    while (true) {
      Incoming next;
      byte opcode;
      synchronized (this) {
        if (delivering || !demanded || closed || incoming.isEmpty()) {
          return;
        }
        delivering = true;
        demanded = false;
        next = incoming.poll();
        opcode = midMessage ? OpCode.CONTINUATION : OpCode.TEXT;
        midMessage = !next.fin();
      }
      int length = next.bytes().remaining();
      try {
        handler.onFrame(new Frame(opcode, next.fin(), next.bytes()),
            Callback.from(() -> passed(length), failure -> passed(length)));
      } finally {
        synchronized (this) {
          delivering = false;
        }
      }
    }
  }

  private synchronized void passed(long bytes) {
    if (closed) {
      return;
    }
    passedUncredited += bytes;
    if (passedUncredited < window / 4 && received - lastAck < Tunnel.ACK_EVERY) {
      return;
    }
    long grant = passedUncredited;
    passedUncredited = 0;
    receiveAllowance += grant;
    lastAck = received;
    if (grant > 0 || received > 0) {
      link.send(new TunnelMessage.Credit(id, grant, received));
    }
  }

  // ---- from the handler towards the client

  @Override
  public void sendFrame(OutgoingEntry entry) {
    Frame frame = entry.getFrame();
    Callback callback = entry.getCallback();
    byte opcode = frame.getOpCode();
    if (opcode == OpCode.CLOSE) {
      CloseStatus status = new CloseStatus(frame.getPayload());
      close(status.getCode(), status.getReason(), callback);
      return;
    }
    if (!frame.isDataFrame()) {
      callback.succeeded(); // pings: the landing node keeps the client's socket alive itself
      return;
    }
    ByteBuffer payload = frame.getPayload() == null ? ByteBuffer.allocate(0) : frame.getPayload();
    synchronized (this) {
      if (closed) {
        callback.failed(new IllegalStateException("the DevTools stream is closed"));
        return;
      }
      outgoing.add(new Outgoing(payload, frame.isFin(), callback));
    }
    pump();
  }

  /** The landing node took {@code bytes} more; what waited may go. */
  void onCredit(long bytes) {
    synchronized (this) {
      sendCredit += bytes;
    }
    pump();
  }

  /** Sends what waits within the credit, copying each piece once into its data frame. */
  private void pump() {
    while (true) {
      Callback done;
      synchronized (this) {
        Outgoing next = outgoing.peek();
        if (closed || next == null) {
          return;
        }
        ByteBuffer bytes = next.bytes();
        if (!bytes.hasRemaining()) {
          link.sendFrame(DataFrame.encode(id, next.fin(), bytes));
        }
        while (bytes.hasRemaining() && sendCredit > 0) {
          int size = (int) Math.min(Math.min(bytes.remaining(), sendCredit), DataFrame.MAX_CHUNK);
          ByteBuffer piece = bytes.slice(bytes.position(), size);
          bytes.position(bytes.position() + size);
          sendCredit -= size;
          link.sendFrame(DataFrame.encode(id, next.fin() && !bytes.hasRemaining(), piece));
        }
        if (bytes.hasRemaining()) {
          return; // onCredit pumps again
        }
        outgoing.poll();
        done = next.callback();
      }
      done.succeeded();
    }
  }

  // ---- closing

  @Override
  public void close(int code, String reason, Callback callback) {
    if (end()) {
      link.streamClosed(this, new TunnelMessage.Close(id, code, reason == null ? "" : reason));
      handler.onClosed(new CloseStatus(code, reason), Callback.NOOP);
    }
    callback.succeeded();
  }

  @Override
  public void close(Callback callback) {
    close(CloseCodes.NORMAL, "", callback);
  }

  @Override
  public void abort() {
    close(CloseCodes.GOING_AWAY, "the relay gave up on this DevTools socket", Callback.NOOP);
  }

  /** The client's side closed the stream (it closed DevTools, or the link broke). */
  void closedByClient(int code, String reason) {
    if (end()) {
      link.streamClosed(this, null);
      handler.onClosed(new CloseStatus(code, reason), Callback.NOOP);
    }
  }

  /** Marks the stream closed once and fails what still waits to go out. */
  private boolean end() {
    Deque<Outgoing> waiting;
    synchronized (this) {
      if (closed) {
        return false;
      }
      closed = true;
      waiting = new ArrayDeque<>(outgoing);
      outgoing.clear();
      incoming.clear();
    }
    for (Outgoing out : waiting) {
      out.callback().failed(new IllegalStateException("the DevTools stream closed"));
    }
    return true;
  }

  @Override
  public synchronized boolean isOutputOpen() {
    return !closed;
  }

  @Override
  public synchronized boolean isInputOpen() {
    return !closed;
  }

  @Override
  public synchronized boolean isClosed() {
    return closed;
  }

  @Override
  public SocketAddress getRemoteAddress() {
    return null;
  }

  @Override
  public String toString() {
    return "peered DevTools stream " + id + " from " + remote;
  }
}
