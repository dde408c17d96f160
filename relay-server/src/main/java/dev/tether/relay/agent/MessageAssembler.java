package dev.tether.relay.agent;

import dev.tether.protocol.ProtocolException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;

/**
 * Joins the frames of one tunnel message, which a shim normally sends unfragmented, up to a fixed
 * size: the tunnel never carries a message bigger than one data chunk or one control message.
 */
public final class MessageAssembler {
  private final int maxBytes;
  private ByteBuffer parts;
  private byte opcode;

  public MessageAssembler(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** A complete message (whose opcode {@link #opcode()} tells), or null while more is to come. */
  public ByteBuffer add(Frame frame) throws ProtocolException {
    byte op = frame.getOpCode();
    ByteBuffer payload = frame.getPayload() == null ? ByteBuffer.allocate(0) : frame.getPayload();
    if (op == OpCode.CONTINUATION) {
      if (parts == null) {
        throw new ProtocolException("continuation frame without a message to continue");
      }
    } else {
      if (parts != null) {
        throw new ProtocolException("new message before the previous one was finished");
      }
      opcode = op;
      if (frame.isFin()) {
        return payload;
      }
      parts = ByteBuffer.allocate(maxBytes);
    }
    if (payload.remaining() > parts.remaining()) {
      throw new ProtocolException("tunnel message exceeds " + maxBytes + " bytes");
    }
    parts.put(payload);
    if (!frame.isFin()) {
      return null;
    }
    ByteBuffer whole = parts.flip();
    parts = null;
    return whole;
  }

  public byte opcode() {
    return opcode;
  }
}
