package dev.tether.relay.connect;

import dev.tether.protocol.CloseReasons;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One debugger connection and its own Tether session: the local socket (Jetty) and the relay's
 * session socket (the JDK's). {@link LocalToRelay} and {@link RelayToLocal} each carry one
 * direction; closing runs once, gives each side the other's close code and reason, and ends the
 * session at the relay so it does not count against the user's sessions.
 */
public final class Bridge {
  private static final Logger LOG = LoggerFactory.getLogger(Bridge.class);

  private final Supplier<CompletableFuture<?>> endSession;
  private final String sessionId;
  private final String instance;
  private volatile CoreSession local;
  private volatile WebSocket relay;
  private boolean closed;
  private boolean localOpen;
  private Runnable onEnd = () -> {};
  private final CompletableFuture<Void> sessionEnded =
      new CompletableFuture<>();

  Bridge(RelayClient relayApi, String sessionId, String instance) {
    this(() -> relayApi.end(sessionId), sessionId, instance);
  }

  /**
   * A bridge whose end runs {@code endSession} (e.g. nothing more, for a relay node that forwards
   * a DevTools socket to the node holding the session, which ends it itself).
   */
  public Bridge(Supplier<CompletableFuture<?>> endSession,
      String sessionId, String instance) {
    this.endSession = endSession;
    this.sessionId = sessionId;
    this.instance = instance;
  }

  String sessionId() {
    return sessionId;
  }

  /** Called once, when the bridge has ended (e.g. to forget it). */
  public void onEnd(Runnable action) {
    onEnd = action;
  }

  /** The relay accepted the session socket; nothing is read from it until the local side opens. */
  void relayOpened(WebSocket socket) {
    relay = socket;
  }

  /** The debugger's socket is open: start reading the relay's messages for it. */
  void localOpened(CoreSession session) {
    synchronized (this) {
      local = session;
      localOpen = true;
      if (closed) {
        session.close(1001, "the Tether session ended before the debugger was ready", Callback.NOOP);
        return;
      }
    }
    LOG.info("debugger attached session={} instance={}", sessionId, instance);
    relay.request(1);
  }

  public CoreSession local() {
    return local;
  }

  WebSocket relay() {
    return relay;
  }

  /** The debugger closed (or dropped) its socket: close the relay's with its code and reason. */
  void localClosed(int code, String reason) {
    if (!markClosed()) {
      return;
    }
    LOG.info("debugger left session={} code={}", sessionId, code);
    WebSocket socket = relay;
    if (socket != null && !socket.isOutputClosed()) {
      socket.sendClose(towardsRelay(code), CloseReasons.fit(reason))
          .whenComplete((ws, e) -> socket.abort());
    }
    ended();
  }

  /** The relay closed the session socket: close the debugger's with the relay's code and reason. */
  void relayClosed(int code, String reason) {
    if (!markClosed()) {
      return;
    }
    LOG.info("relay closed session={} code={}", sessionId, code);
    CoreSession session;
    synchronized (this) {
      session = localOpen ? local : null;
    }
    if (session != null) {
      session.close(towardsLocal(code), CloseReasons.fit(reason), Callback.NOOP);
    }
    ended();
  }

  /** The connection to the relay failed: the debugger learns why, the session is ended. */
  void relayFailed(Throwable cause) {
    relayClosed(1011, "the connection to the Tether relay failed (" + cause.getClass().getSimpleName()
        + "); reconnect the debugger");
  }

  /** The debugger's socket failed: drop the relay's socket too. */
  void localFailed(Throwable cause) {
    localClosed(1001, "the debugger's connection to tether connect failed");
    WebSocket socket = relay;
    if (socket != null) {
      socket.abort();
    }
  }

  /** Ends the bridge from this side (tether connect stopping): both sockets get the reason. */
  void shutdown(String reason) {
    if (!markClosed()) {
      return;
    }
    CoreSession session;
    synchronized (this) {
      session = localOpen ? local : null;
    }
    if (session != null) {
      session.close(1001, CloseReasons.fit(reason), Callback.NOOP);
    }
    WebSocket socket = relay;
    if (socket != null && !socket.isOutputClosed()) {
      socket.sendClose(1001, CloseReasons.fit(reason)).whenComplete((ws, e) -> socket.abort());
    }
    ended();
  }

  private synchronized boolean markClosed() {
    if (closed) {
      return false;
    }
    closed = true;
    return true;
  }

  private void ended() {
    endSession.get().whenComplete((response, e) -> sessionEnded.complete(null));
    onEnd.run();
  }

  /** Completes once the relay was asked to end the session (whatever it answered). */
  CompletableFuture<Void> sessionEnded() {
    return sessionEnded;
  }

  /** The JDK's client may send only some codes; any other becomes a normal close with the reason. */
  static int towardsRelay(int code) {
    boolean sendable = code == 1000 || code == 1001 || code == 1008 || code == 1011
        || (code >= 3000 && code <= 4999);
    return sendable ? code : 1000;
  }

  /** Codes that only describe a missing close frame are never sent in one. */
  static int towardsLocal(int code) {
    return switch (code) {
      case 1005 -> 1000;
      case 1006, 1015 -> 1011;
      default -> code;
    };
  }
}
