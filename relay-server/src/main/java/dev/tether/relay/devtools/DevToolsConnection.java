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
 * One DevTools socket bridged to one tunnel stream, one class per direction (as Jetty's {@code
 * WebSocketProxy} and Netty's proxy example do): {@link TowardsTarget} offers each DevTools frame
 * to the stream from the buffer it arrived in and reads the next frame only once the stream took
 * it; {@link TowardsDevTools} writes each chunk from the target and lets credit flow back only
 * after the write. This class holds what both share: the socket's lifecycle, keep-alive pings,
 * and closing once. Its {@link SessionGuard} reads each DevTools message once, strictly (for the
 * audit trail, policy and routing), decides what may pass (read-only rules, rate, sizes) and
 * watches the session (pauses, a client that stopped reading).
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

  private final TowardsTarget towardsTarget;
  private final TowardsDevTools towardsDevTools;
  private long messageBytes; // of the DevTools message being read, on Jetty's reading thread

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
    this.towardsTarget = new TowardsTarget(() -> core.demand(), metrics);
    this.towardsDevTools = new TowardsDevTools(session, guard, metrics);
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
    towardsTarget.streamIs(opened.get());
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
          towardsTarget.inject(message);
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
    towardsTarget.pump(); // the relay's own message may wait already
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
    if (frame.isFin()) {
      messageBytes = 0;
    }
    CommandGate.Step step = guard.onClientFrame(payload, frame.isFin());
    if (step instanceof CommandGate.Forward forward) {
      // Jetty's buffer itself goes on: the frame's callback completes once the stream took it.
      towardsTarget.forward(forward.bytes(), forward.fin(), callback, arrived);
      return;
    }
    callback.succeeded();
    if (step instanceof CommandGate.Answer answer) {
      towardsDevTools.answer(core, answer.json(), () -> core.demand());
    } else if (step instanceof CommandGate.Close close) {
      end(close.code(), close.reason());
    } else {
      core.demand();
    }
  }

  @Override
  public void onCredit() {
    towardsTarget.pump();
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
    towardsDevTools.write(socket, chunk, fin, written);
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
      if (pinger != null) {
        pinger.cancel(false);
      }
    }
    towardsTarget.close();
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
