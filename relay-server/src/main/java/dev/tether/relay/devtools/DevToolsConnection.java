package dev.tether.relay.devtools;

import dev.tether.protocol.CdpPeeker;
import dev.tether.protocol.CloseCodes;
import dev.tether.relay.CloseReasons;
import dev.tether.relay.agent.AgentTunnel;
import dev.tether.relay.agent.StreamPeer;
import dev.tether.relay.agent.TunnelStream;
import dev.tether.relay.metrics.RelayMetrics;
import dev.tether.relay.metrics.RelayMetrics.Direction;
import dev.tether.relay.session.Attachment;
import dev.tether.relay.session.Session;
import dev.tether.relay.session.Sessions;
import java.nio.ByteBuffer;
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
 * after the write. Bytes pass through untouched; only the method is peeked.
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
  private boolean sending;
  private long pendingSinceNanos;
  private long messageBytes;
  private CdpPeeker peeker;

  // target → client, only touched by the tunnel's reading thread
  private boolean midMessage;

  DevToolsConnection(
      Session session, Sessions sessions, AgentTunnel tunnel, String target, long maxMessageBytes,
      ScheduledExecutorService scheduler, Duration keepAlive, RelayMetrics metrics) {
    this.session = session;
    this.sessions = sessions;
    this.tunnel = tunnel;
    this.target = target;
    this.maxMessageBytes = maxMessageBytes;
    this.scheduler = scheduler;
    this.keepAlive = keepAlive;
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
    peek(opcode, payload, frame.isFin());
    ByteBuffer copy = ByteBuffer.allocate(payload.remaining()).put(payload).flip();
    callback.succeeded();
    synchronized (this) {
      pending = copy;
      pendingFin = frame.isFin();
      pendingSinceNanos = arrived;
    }
    if (frame.isFin()) {
      messageBytes = 0;
    }
    pump();
  }

  @Override
  public void onCredit() {
    pump();
  }

  @Override
  public void onData(ByteBuffer chunk, boolean fin, Callback written) {
    CoreSession session = core;
    if (session == null || !session.isOutputOpen()) {
      written.succeeded();
      return;
    }
    long arrived = System.nanoTime();
    metrics.passed(Direction.TO_DEVTOOLS, chunk.remaining(), fin);
    byte opcode = midMessage ? OpCode.CONTINUATION : OpCode.TEXT;
    midMessage = !fin;
    session.sendFrame(new Frame(opcode, fin, chunk), Callback.from(() -> {
      metrics.relayed(Direction.TO_DEVTOOLS, System.nanoTime() - arrived);
      written.succeeded();
    }, written::failed), false);
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

  /** Sends what is pending within the stream's credit; demands the next frame once all is sent. */
  private void pump() {
    ByteBuffer piece;
    boolean fin;
    boolean done;
    synchronized (this) {
      TunnelStream s = stream;
      if (closed || sending || pending == null || s == null) {
        return;
      }
      long credit = s.sendable();
      int remaining = pending.remaining();
      if (!s.isOpened() || (remaining > 0 && credit <= 0)) {
        return; // onOpened or onCredit calls again
      }
      int size = (int) Math.min(remaining, credit);
      piece = pending.slice(pending.position(), size);
      pending.position(pending.position() + size);
      done = !pending.hasRemaining();
      fin = done && pendingFin;
      if (done) {
        pending = null;
      }
      sending = true;
    }
    stream.send(piece, fin, Callback.from(() -> sent(done), this::sendFailed));
  }

  private void sent(boolean messagePieceDone) {
    long since;
    synchronized (this) {
      sending = false;
      since = pendingSinceNanos;
      if (closed) {
        return;
      }
    }
    if (messagePieceDone) {
      metrics.relayed(Direction.TO_TARGET, System.nanoTime() - since);
      core.demand();
    } else {
      pump();
    }
  }

  private void sendFailed(Throwable cause) {
    synchronized (this) {
      sending = false;
    }
    closeOnce(CloseCodes.AGENT_LOST, "the tunnel to " + session.function() + "/"
        + session.instance() + " failed; start a new session when it is back", true);
  }

  private void peek(byte opcode, ByteBuffer payload, boolean fin) {
    if (opcode != OpCode.CONTINUATION) {
      peeker = new CdpPeeker();
    }
    if (peeker != null && (peeker.feed(payload) || fin)) {
      peeker.finish();
      // The hook for policy and audit; never log more than the method.
      LOG.debug("cdp command {} method={}", session, peeker.envelope().method());
      peeker = null;
    }
  }

  private void ping() {
    CoreSession session = core;
    if (session != null && session.isOutputOpen()) {
      session.sendFrame(new Frame(OpCode.PING), Callback.NOOP, false);
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
      if (pinger != null) {
        pinger.cancel(false);
      }
    }
    TunnelStream s = stream;
    if (closeStream && s != null) {
      s.close(code, reason);
    }
    CoreSession session = core;
    if (session != null && session.isOutputOpen()) {
      session.close(closeCode, CloseReasons.fit(reason), Callback.NOOP);
    }
    sessions.detached(this.session, this);
    LOG.debug("devtools closed {} code={} reason=\"{}\"", this.session, code, reason);
  }
}
