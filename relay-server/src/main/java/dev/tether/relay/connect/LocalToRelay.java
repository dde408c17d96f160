package dev.tether.relay.connect;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;

/**
 * The debugger → relay direction of a {@link Bridge}: each frame the debugger sends goes to the
 * relay as a part of the same message, and the next frame is read only once the relay's socket
 * took it (backpressure by construction). Text is decoded as strict UTF-8 across frame
 * boundaries, since the JDK's socket sends characters.
 */
public final class LocalToRelay implements FrameHandler {
  private final Bridge bridge;
  private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);
  private ByteBuffer leftover = ByteBuffer.allocate(0); // an incomplete character's first bytes
  private boolean textMessage;
  private CoreSession session;

  public LocalToRelay(Bridge bridge) {
    this.bridge = bridge;
  }

  @Override
  public void onOpen(CoreSession coreSession, Callback callback) {
    session = coreSession;
    callback.succeeded();
    bridge.localOpened(coreSession);
    coreSession.demand();
  }

  @Override
  public void onFrame(Frame frame, Callback callback) {
    byte opcode = frame.getOpCode();
    if (opcode == OpCode.CLOSE) {
      callback.succeeded();
      return;
    }
    if (!frame.isDataFrame()) {
      callback.succeeded(); // Jetty answers a ping itself
      session.demand();
      return;
    }
    if (opcode != OpCode.CONTINUATION) {
      textMessage = opcode == OpCode.TEXT;
    }
    ByteBuffer payload = frame.getPayload() == null ? ByteBuffer.allocate(0) : frame.getPayload();
    CompletableFuture<?> sent;
    if (textMessage) {
      CharBuffer text;
      try {
        text = decode(payload, frame.isFin());
      } catch (CharacterCodingException e) {
        callback.succeeded();
        session.close(1007, "a text message was not valid UTF-8", Callback.NOOP);
        return;
      }
      callback.succeeded();
      sent = bridge.relay().sendText(text, frame.isFin());
    } else {
      ByteBuffer copy = ByteBuffer.allocate(payload.remaining()).put(payload).flip();
      callback.succeeded();
      sent = bridge.relay().sendBinary(copy, frame.isFin());
    }
    sent.whenComplete((ws, failure) -> {
      if (failure == null) {
        session.demand();
      } else {
        bridge.relayFailed(failure);
      }
    });
  }

  private CharBuffer decode(ByteBuffer payload, boolean fin) throws CharacterCodingException {
    ByteBuffer in = ByteBuffer.allocate(leftover.remaining() + payload.remaining())
        .put(leftover).put(payload).flip();
    CharBuffer out = CharBuffer.allocate(in.remaining());
    CoderResult result = utf8.decode(in, out, fin);
    if (result.isError()) {
      result.throwException();
    }
    if (fin) {
      result = utf8.flush(out);
      if (result.isError()) {
        result.throwException();
      }
      utf8.reset();
    }
    leftover = ByteBuffer.allocate(in.remaining()).put(in).flip();
    return out.flip();
  }

  @Override
  public void onError(Throwable cause, Callback callback) {
    callback.succeeded();
    bridge.localFailed(cause);
  }

  @Override
  public void onClosed(CloseStatus closeStatus, Callback callback) {
    callback.succeeded();
    bridge.localClosed(closeStatus.getCode(), closeStatus.getReason());
  }
}
