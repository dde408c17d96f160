package dev.tether.relay.devtools;

import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.CloseReasons;
import dev.tether.relay.agent.AgentTunnel;
import dev.tether.relay.agent.StreamPeer;
import dev.tether.relay.agent.TunnelStream;
import dev.tether.relay.metrics.RelayMetrics.Direction;
import dev.tether.relay.metrics.RelayMetrics;
import dev.tether.relay.policy.CommandGate;
import dev.tether.relay.policy.SessionGuard;
import dev.tether.relay.policy.TargetWatch;
import dev.tether.relay.session.Attachment;
import dev.tether.relay.session.Session;
import dev.tether.relay.session.Sessions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One DevTools socket bridged to one tunnel stream. Towards the target it reads a frame, sends it
 * within the stream's credit, and demands the next frame only once the tunnel took it; towards
 * DevTools it writes each chunk as a text or continuation frame and lets credit flow back only
 * after the write. Bytes pass through untouched; messages and bytes are counted each way. Its
 * {@link SessionGuard} reads each DevTools message once, strictly (for the audit trail and
 * policy), decides what may pass (read-only rules, rate, sizes) and watches the session (pauses,
 * a client that stopped reading).
 */
public final class DevToolsConnection implements FrameHandler, StreamPeer, Attachment {
  private static final Logger LOG = LoggerFactory.getLogger(DevToolsConnection.class);

  private final Session session;
  private final Sessions sessions;
  private final AgentTunnel tunnel;
  private final String target;
  private final long maxMessageBytes;
  private final ScheduledExecutorService scheduler;
  private final Duration keepAlive;
  private final SessionGuard guard;
  private final RelayMetrics metrics;

  private volatile CoreSession core;
  private volatile TunnelStream stream;
  private ScheduledFuture<?> pinger;
  private boolean closed;
  private int closeCode;
  private String closeReason;

  // client → target, guarded by this
  private ByteBuffer pending;
  private boolean pendingFin;
  private ByteBuffer injected; // the relay's own whole message, sent at the next gap
  private ByteBuffer current; // what is being sent, piece by piece within credit
  private boolean currentFin;
  private boolean currentFromClient;
  private boolean targetMidMessage;
  private boolean sending;
  private long pendingSinceNanos; // when the client frame being sent arrived, for the histogram
  private long messageBytes;

  // towards DevTools, guarded by out: the target's chunks and the relay's own answers
  private final Object out = new Object();
  private boolean midMessage;
  private ByteBuffer heldAnswer;

  DevToolsConnection(
      Session session, Sessions sessions, AgentTunnel tunnel, String target, long maxMessageBytes,
      ScheduledExecutorService scheduler, Duration keepAlive, SessionGuard guard,
      RelayMetrics metrics) {
    this.session = session;
    this.sessions = sessions;
    this.tunnel = tunnel;
    this.target = target;
    this.maxMessageBytes = maxMessageBytes;
    this.scheduler = scheduler;
    this.keepAlive = keepAlive;
    this.guard = guard;
    this.metrics = metrics;
  }

  @Override
  public void onOpen(CoreSession coreSession, Callback callback) {
    core = coreSession;
    callback.succeeded();
    synchronized (this) {
      if (closed) { // the session ended between the upgrade and now
        coreSession.close(closeCode, CloseReasons.fit(closeReason), Callback.NOOP);
        return;
      }
    }
    Optional<TunnelStream> opened = tunnel.newStream(this);
    if (opened.isEmpty()) {
      end(CloseCodes.AGENT_LOST, "the function instance " + session.function() + "/"
          + session.instance() + " disconnected; start a new session when it is back");
      return;
    }
    boolean lateClose;
    synchronized (this) {
      stream = opened.get();
      lateClose = closed;
      if (!closed) {
        pinger = scheduler.scheduleAtFixedRate(this::ping, keepAlive.toMillis(),
            keepAlive.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
    if (lateClose) {
      opened.get().close(closeCode, closeReason);
    } else {
      opened.get().open(target, session.id());
      guard.start(new SessionGuard.Actions() {
        @Override
        public void injectTowardsTarget(byte[] message) {
          inject(message);
        }

        @Override
        public void close(int code, String reason) {
          endUnread(code, reason);
        }
      });
      LOG.debug("stream opening {} stream={}", session, opened.get().id());
    }
    // No demand yet: DevTools frames wait until the shim's inspector session is open.
  }

  @Override
  public void onOpened() {
    LOG.debug("stream opened {}", session);
    core.demand();
  }

  @Override
  public void onFrame(Frame frame, Callback callback) {
    byte opcode = frame.getOpCode();
    if (opcode == OpCode.CLOSE) {
      callback.succeeded();
      return;
    }
    if (!frame.isDataFrame()) {
      callback.succeeded();
      core.demand();
      return;
    }
    long arrived = System.nanoTime();
    ByteBuffer payload = frame.getPayload() == null ? ByteBuffer.allocate(0) : frame.getPayload();
    metrics.passed(Direction.TO_TARGET, payload.remaining(), frame.isFin());
    messageBytes += payload.remaining();
    if (messageBytes > maxMessageBytes) {
      callback.succeeded();
      end(CloseCodes.MESSAGE_TOO_BIG,
          "CDP message larger than the relay's limit of " + maxMessageBytes + " bytes");
      return;
    }
    session.traffic().toTarget(payload.remaining(), frame.isFin());
    ByteBuffer copy = ByteBuffer.allocate(payload.remaining()).put(payload).flip();
    callback.succeeded();
    if (frame.isFin()) {
      messageBytes = 0;
    }
    CommandGate.Step step = guard.onClientFrame(copy, frame.isFin());
    if (step instanceof CommandGate.Forward forward) {
      synchronized (this) {
        pending = forward.bytes();
        pendingFin = forward.fin();
        pendingSinceNanos = arrived;
      }
      pump();
    } else if (step instanceof CommandGate.Answer answer) {
      answer(answer.json());
    } else if (step instanceof CommandGate.Close close) {
      end(close.code(), close.reason());
    } else {
      core.demand();
    }
  }

  @Override
  public void onCredit() {
    pump();
  }

  @Override
  public void onData(ByteBuffer chunk, boolean fin, Callback written) {
    CoreSession socket = core;
    if (socket == null || !socket.isOutputOpen()) {
      written.succeeded();
      return;
    }
    TargetWatch.Verdict verdict = guard.onTargetChunk(chunk, fin);
    if (verdict != TargetWatch.Verdict.FORWARD) {
      written.succeeded();
      if (verdict == TargetWatch.Verdict.TOO_BIG) {
        end(CloseCodes.MESSAGE_TOO_BIG, "the function sent a CDP message larger than the relay's"
            + " limit of " + guard.maxTargetMessageBytes() + " bytes");
      }
      return;
    }
    this.session.traffic().toClient(chunk.remaining(), fin);
    long arrived = System.nanoTime();
    metrics.passed(Direction.TO_DEVTOOLS, chunk.remaining(), fin);
    int length = chunk.remaining();
    synchronized (out) {
      byte opcode = midMessage ? OpCode.CONTINUATION : OpCode.TEXT;
      midMessage = !fin;
      guard.queued(length);
      socket.sendFrame(new Frame(opcode, fin, chunk), Callback.from(() -> {
        guard.written(length);
        metrics.relayed(Direction.TO_DEVTOOLS, System.nanoTime() - arrived);
        written.succeeded();
      }, written::failed), false);
      if (fin && heldAnswer != null) {
        sendAnswer(socket, heldAnswer);
        heldAnswer = null;
      }
    }
  }

  /**
   * Sends the relay's own reply to DevTools between the target's messages, and reads DevTools'
   * next frame only once it is written (so there is never more than one).
   */
  private void answer(String json) {
    ByteBuffer bytes = ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8));
    synchronized (out) {
      if (midMessage) {
        heldAnswer = bytes;
      } else {
        sendAnswer(core, bytes);
      }
    }
  }

  private void sendAnswer(CoreSession socket, ByteBuffer bytes) {
    int length = bytes.remaining();
    guard.queued(length);
    socket.sendFrame(new Frame(OpCode.TEXT, true, bytes), Callback.from(() -> {
      guard.written(length);
      socket.demand();
    }, failure -> { }), false);
  }

  /** Queues a whole message of the relay's own towards the target, sent at the next gap. */
  private void inject(byte[] message) {
    synchronized (this) {
      if (closed) {
        return;
      }
      injected = ByteBuffer.wrap(message);
    }
    pump();
  }

  /** Closes a client that stopped reading: the close frame may never get through, so abort later. */
  private void endUnread(int code, String reason) {
    end(code, reason);
    CoreSession socket = core;
    if (socket != null && !scheduler.isShutdown()) {
      scheduler.schedule(socket::abort, keepAlive.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public void onStreamClosed(int code, String reason) {
    closeOnce(code, reason, false);
  }

  @Override
  public void end(int code, String reason) {
    closeOnce(code, reason, true);
  }

  @Override
  public void onError(Throwable cause, Callback callback) {
    LOG.debug("devtools socket error {} cause={}", session, cause.toString());
    callback.succeeded();
  }

  @Override
  public void onClosed(CloseStatus status, Callback callback) {
    closeOnce(CloseCodes.NORMAL, "DevTools disconnected (" + status.getCode() + ")", true);
    callback.succeeded();
  }

  /**
   * Sends what is pending within the stream's credit; demands the next frame once a client frame
   * is all sent. The relay's own message goes first when the target is between messages.
   */
  private void pump() {
    ByteBuffer piece;
    boolean fin;
    boolean clientFrameDone;
    synchronized (this) {
      TunnelStream s = stream;
      if (closed || sending || s == null || !s.isOpened()) {
        return; // onOpened, onCredit or sent calls again
      }
      if (current == null) {
        if (injected != null && !targetMidMessage) {
          current = injected;
          injected = null;
          currentFin = true;
          currentFromClient = false;
        } else if (pending != null) {
          current = pending;
          pending = null;
          currentFin = pendingFin;
          currentFromClient = true;
          targetMidMessage = !pendingFin;
        } else {
          return;
        }
      }
      long credit = s.sendable();
      int remaining = current.remaining();
      if (remaining > 0 && credit <= 0) {
        return;
      }
      int size = (int) Math.min(remaining, credit);
      piece = current.slice(current.position(), size);
      current.position(current.position() + size);
      boolean done = !current.hasRemaining();
      fin = done && currentFin;
      clientFrameDone = done && currentFromClient;
      if (done) {
        current = null;
      }
      sending = true;
    }
    stream.send(piece, fin, Callback.from(() -> sent(clientFrameDone), this::sendFailed));
  }

  private void sent(boolean clientFrameDone) {
    long since;
    synchronized (this) {
      sending = false;
      since = pendingSinceNanos;
      if (closed) {
        return;
      }
    }
    if (clientFrameDone) {
      metrics.relayed(Direction.TO_TARGET, System.nanoTime() - since);
      core.demand();
    }
    pump();
  }

  private void sendFailed(Throwable cause) {
    synchronized (this) {
      sending = false;
    }
    closeOnce(CloseCodes.AGENT_LOST, "the tunnel to " + session.function() + "/"
        + session.instance() + " failed; start a new session when it is back", true);
  }

  private void ping() {
    CoreSession socket = core;
    if (socket != null && socket.isOutputOpen()) {
      socket.sendFrame(new Frame(OpCode.PING), Callback.NOOP, false);
    }
  }

  /**
   * Closes everything once: the DevTools socket (with a code and a readable reason), the tunnel
   * stream (unless the shim closed it), and detaches the session unless it ended.
   */
  private void closeOnce(int code, String reason, boolean closeStream) {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      closeCode = CloseStatus.isTransmittableStatusCode(code) ? code : CloseCodes.TARGET_GONE;
      closeReason = reason;
      pending = null;
      current = null;
      injected = null;
      if (pinger != null) {
        pinger.cancel(false);
      }
    }
    guard.stop();
    TunnelStream s = stream;
    if (closeStream && s != null) {
      s.close(code, reason);
    }
    CoreSession socket = core;
    if (socket != null && socket.isOutputOpen()) {
      socket.close(closeCode, CloseReasons.fit(reason), Callback.NOOP);
    }
    sessions.detached(this.session, this);
    LOG.debug("devtools closed {} code={} reason=\"{}\"", this.session, code, reason);
  }
}
