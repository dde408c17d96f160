package dev.tether.shim.inspector;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/** What one inspector WebSocket tells the stream it serves; called on the channel's event loop. */
public interface InspectorListener {
  /** The WebSocket handshake completed; the channel has AUTO_READ off from now on. */
  void inspectorOpened(Channel channel);

  /** A data frame (text, binary or continuation); the frame is released after this returns. */
  void inspectorFrame(WebSocketFrame frame);

  /**
   * The socket read that delivered the frames since the last call ended: what they wrote may be
   * flushed now, once for all of them (one system call for a batch of pipelined replies).
   */
  void inspectorReadComplete();

  /** The connection ended, before or after the handshake; {@code why} is readable. */
  void inspectorClosed(String why);
}
