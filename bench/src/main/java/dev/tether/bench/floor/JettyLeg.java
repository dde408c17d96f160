package dev.tether.bench.floor;

import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;

/**
 * One socket of the {@link JettyHop}: each data frame read here is written to the paired leg's
 * socket with Jetty's own buffer (no copy), and this socket is read again only once that write
 * completed, as Jetty's {@code WebSocketProxy} does.
 */
final class JettyLeg implements FrameHandler {
  private volatile CoreSession core;
  private volatile JettyLeg peer;

  /** Pairs a client's leg with the agent's; both start reading once the client's is open. */
  void pair(JettyLeg agent) {
    peer = agent;
    agent.peer = this;
  }

  @Override
  public void onOpen(CoreSession session, Callback callback) {
    core = session;
    callback.succeeded();
    JettyLeg other = peer;
    if (other != null) { // the client's leg: the agent's is open already
      session.demand();
      other.core.demand();
    }
  }

  @Override
  public void onFrame(Frame frame, Callback callback) {
    JettyLeg other = peer;
    if (!frame.isDataFrame() || other == null) {
      callback.succeeded();
      if (frame.getOpCode() != OpCode.CLOSE) {
        core.demand();
      }
      return;
    }
    other.core.sendFrame(new Frame(frame.getOpCode(), frame.isFin(), frame.getPayload()),
        Callback.from(() -> {
          callback.succeeded();
          core.demand();
        }, callback::failed), false);
  }

  @Override
  public void onError(Throwable cause, Callback callback) {
    callback.succeeded();
  }

  @Override
  public void onClosed(CloseStatus status, Callback callback) {
    callback.succeeded();
    JettyLeg other = peer;
    if (other != null && other.core != null) {
      other.core.close(Callback.NOOP);
    }
  }
}
