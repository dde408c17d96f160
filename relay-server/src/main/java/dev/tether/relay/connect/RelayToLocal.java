package dev.tether.relay.connect;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;

/**
 * The relay → debugger direction of a {@link Bridge}: each part of a relay message is written to
 * the debugger as a text (or continuation) frame, and the next part is requested only once that
 * write completed, so a debugger that stops reading stops the relay's socket, never fills memory.
 */
public final class RelayToLocal implements WebSocket.Listener {
  private final Bridge bridge;
  private boolean midMessage;
  private char heldSurrogate; // a high surrogate that ended a part: it goes with the next one

  public RelayToLocal(Bridge bridge) {
    this.bridge = bridge;
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    bridge.relayOpened(webSocket); // no request yet: the debugger's socket is not open
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    StringBuilder text = new StringBuilder(data.length() + 1);
    if (heldSurrogate != 0) {
      text.append(heldSurrogate);
      heldSurrogate = 0;
    }
    text.append(data);
    if (!last && text.length() > 0 && Character.isHighSurrogate(text.charAt(text.length() - 1))) {
      heldSurrogate = text.charAt(text.length() - 1);
      text.setLength(text.length() - 1);
    }
    forward(webSocket, ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8)), last,
        OpCode.TEXT);
    return null;
  }

  @Override
  public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
    ByteBuffer copy = ByteBuffer.allocate(data.remaining()).put(data).flip();
    forward(webSocket, copy, last, OpCode.BINARY);
    return null;
  }

  private void forward(WebSocket webSocket, ByteBuffer payload, boolean last, byte opcode) {
    CoreSession local = bridge.local();
    byte code = midMessage ? OpCode.CONTINUATION : opcode;
    midMessage = !last;
    local.sendFrame(new Frame(code, last, payload), Callback.from(() -> webSocket.request(1),
        bridge::localFailed), false);
  }

  @Override
  public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
    webSocket.request(1); // the JDK answers with a pong itself
    return null;
  }

  @Override
  public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    bridge.relayClosed(statusCode, reason);
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    bridge.relayFailed(error);
  }
}
