package dev.tether.relay.cluster;

import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.CloseReasons;
import dev.tether.relay.agent.StreamPeer;
import dev.tether.relay.agent.TunnelStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;

/**
 * A DevTools socket on the node it landed on, carried as one stream of the peer link to the node
 * holding its session. It only shovels bytes, with the tunnel's backpressure both ways: a DevTools
 * frame is read only after the stream took the one before (within the holding node's credit),
 * and a chunk from the holding node gives its credit back only once written to DevTools, so a
 * DevTools that stops reading stalls its own stream and no other. Policy, limits and audit run on
 * the holding node, which reads every message as it would for a local socket. This side pings the
 * DevTools socket so an idle window stays connected.
 */
final class PeeredDevTools implements FrameHandler, StreamPeer {
  private final ScheduledExecutorService scheduler;
  private final Duration keepAlive;
  private final CompletableFuture<PeerLink.PeerRefusal> answer = new CompletableFuture<>();
  private volatile TunnelStream stream;
  private volatile CoreSession core;

  // All guarded by this.
  private ByteBuffer pending; // a DevTools frame waiting for credit, a view of Jetty's buffer
  private boolean pendingFin;
  private Callback pendingFrame;
  private boolean midMessage;
  private List<Runnable> early = new ArrayList<>(); // chunks that came before the socket opened
  private boolean closed;
  private int closeCode;
  private String closeReason;
  private ScheduledFuture<?> pings;

  PeeredDevTools(ScheduledExecutorService scheduler, Duration keepAlive) {
    this.scheduler = scheduler;
    this.keepAlive = keepAlive;
  }

  void streamIs(TunnelStream stream) {
    this.stream = stream;
  }

  /** Completes with null once the holding node attached the stream, or with its refusal. */
  CompletableFuture<PeerLink.PeerRefusal> answer() {
    return answer;
  }

  void refused(PeerLink.PeerRefusal refusal) {
    answer.complete(refusal);
  }

  @Override
  public void onOpened() {
    answer.complete(null);
  }

  @Override
  public void onOpen(CoreSession socket, Callback callback) {
    List<Runnable> waiting;
    synchronized (this) {
      core = socket;
      waiting = early;
      early = null;
    }
    callback.succeeded();
    waiting.forEach(Runnable::run);
    synchronized (this) {
      if (closed) {
        socket.close(closeCode, CloseReasons.fit(closeReason), Callback.NOOP);
        return;
      }
      pings = scheduler.scheduleAtFixedRate(this::ping, keepAlive.toMillis(),
          keepAlive.toMillis(), TimeUnit.MILLISECONDS);
    }
    socket.demand();
  }

  @Override
  public void onFrame(Frame frame, Callback callback) {
    if (frame.getOpCode() == OpCode.CLOSE) {
      callback.succeeded();
      return;
    }
    if (!frame.isDataFrame()) {
      callback.succeeded();
      core.demand();
      return;
    }
    synchronized (this) {
      if (closed) {
        callback.succeeded();
        return;
      }
      pending = frame.getPayload() == null ? ByteBuffer.allocate(0) : frame.getPayload();
      pendingFin = frame.isFin();
      pendingFrame = callback;
    }
    pump();
  }

  @Override
  public void onCredit() {
    pump();
  }

  /** Offers the waiting frame to the stream; once all of it went, reads the next one. */
  private void pump() {
    Callback taken;
    synchronized (this) {
      TunnelStream s = stream;
      if (pending == null || s == null || !s.offer(pending, pendingFin)) {
        return; // onCredit calls again
      }
      taken = pendingFrame;
      pending = null;
      pendingFrame = null;
    }
    taken.succeeded();
    core.demand();
  }

  @Override
  public void onData(ByteBuffer chunk, boolean fin, Callback written) {
    synchronized (this) {
      if (early != null) {
        early.add(() -> onData(chunk, fin, written));
        return;
      }
      CoreSession socket = core;
      if (closed || !socket.isOutputOpen()) {
        written.succeeded();
        return;
      }
      byte opcode = midMessage ? OpCode.CONTINUATION : OpCode.TEXT;
      midMessage = !fin;
      socket.sendFrame(new Frame(opcode, fin, chunk), written, false);
    }
  }

  @Override
  public void onStreamClosed(int code, String reason) {
    answer.complete(new PeerLink.PeerRefusal(502, "node_unreachable", reason));
    closeOnce(code, reason, false);
  }

  @Override
  public void onError(Throwable cause, Callback callback) {
    callback.succeeded();
  }

  @Override
  public void onClosed(CloseStatus status, Callback callback) {
    closeOnce(CloseCodes.NORMAL, "DevTools disconnected (" + status.getCode() + ")", true);
    callback.succeeded();
  }

  private void ping() {
    CoreSession socket = core;
    if (socket != null && socket.isOutputOpen()) {
      socket.sendFrame(new Frame(OpCode.PING), Callback.NOOP, false);
    }
  }

  /** Closes once: the DevTools socket with a code and a reason, and the stream unless it ended. */
  void closeOnce(int code, String reason, boolean closeStream) {
    Callback held;
    CoreSession socket;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      closeCode = CloseStatus.isTransmittableStatusCode(code) ? code : CloseCodes.NODE_LOST;
      closeReason = reason;
      held = pendingFrame;
      pending = null;
      pendingFrame = null;
      if (pings != null) {
        pings.cancel(false);
      }
      socket = core;
    }
    if (held != null) {
      held.succeeded();
    }
    TunnelStream s = stream;
    if (closeStream && s != null) {
      s.close(code, reason);
    }
    if (socket != null && socket.isOutputOpen()) {
      socket.close(closeCode, CloseReasons.fit(reason), Callback.NOOP);
    }
  }
}
