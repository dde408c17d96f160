package dev.tether.relay.cluster;

import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.DataFrame;
import dev.tether.protocol.ProtocolException;
import dev.tether.protocol.TunnelCodec;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.agent.MessageAssembler;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.Configuration;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Either end of a peer link as Jetty core hands it frames: the node that dialled it ({@link
 * PeerLink}) and the node that accepted it ({@link PeerEndpoint}) read, write, ping and fail the
 * same way and differ only in which messages they take. Each frame is read once, on the thread
 * that read it, and reading is re-armed as soon as it was handled: the link carries many streams,
 * so it never waits for one of them; each stream's credit bounds what may wait for it instead.
 * What a subclass does with a message must not block.
 */
abstract class PeerLinkEnd implements FrameHandler {
  private static final Logger LOG = LoggerFactory.getLogger(PeerLinkEnd.class);
  static final int MAX_MESSAGE =
      Math.max(DataFrame.HEADER_BYTES + DataFrame.MAX_CHUNK, TunnelCodec.MAX_CONTROL_MESSAGE_BYTES);

  /** A failed write loses the link: what it carried cannot be taken back. */
  private final Callback written = Callback.from(() -> { },
      failure -> lost("a write failed (" + failure.getClass().getSimpleName() + ")"));
  private final MessageAssembler assembler = new MessageAssembler(MAX_MESSAGE);
  private final String node;
  private volatile CoreSession core;
  private volatile long lastHeardNanos = System.nanoTime();

  PeerLinkEnd(String node) {
    this.node = node;
  }

  /** The same limits on both ends: no fragmenting, no message over one chunk or control message. */
  static void configure(Configuration configuration, Duration heartbeat) {
    configuration.setMaxFrameSize(MAX_MESSAGE);
    configuration.setAutoFragment(false);
    configuration.setMaxTextMessageSize(MAX_MESSAGE);
    configuration.setMaxBinaryMessageSize(MAX_MESSAGE);
    configuration.setInputBufferSize(64 * 1024);
    configuration.setIdleTimeout(heartbeat.multipliedBy(3).plusSeconds(5));
  }

  String node() {
    return node;
  }

  @Override
  public void onOpen(CoreSession socket, Callback callback) {
    core = socket;
    opened();
    callback.succeeded();
    socket.demand();
  }

  /** The link is up (called before the first frame is read). */
  void opened() {}

  @Override
  public void onFrame(Frame frame, Callback callback) {
    lastHeardNanos = System.nanoTime();
    byte opcode = frame.getOpCode();
    if (opcode == OpCode.CLOSE) {
      callback.succeeded();
      return;
    }
    try {
      if (opcode == OpCode.PING) {
        // the payload is Jetty's until the callback: the pong takes a copy
        core.sendFrame(new Frame(OpCode.PONG, BufferUtil.copy(frame.getPayload())), written,
            false);
      } else if (opcode == OpCode.PONG) {
        onPong(frame.getPayload());
      } else if (frame.isDataFrame()) {
        ByteBuffer message = assembler.add(frame);
        if (message != null) {
          if (assembler.opcode() == OpCode.TEXT) {
            onControl(TunnelCodec.decode(message));
          } else {
            onData(DataFrame.decode(message)); // copies what it keeps
          }
        }
      }
      callback.succeeded();
    } catch (ProtocolException | RuntimeException e) {
      callback.succeeded();
      LOG.warn("peer link protocol error node={} cause={}", node, e.getMessage());
      core.close(CloseCodes.PROTOCOL_ERROR, "protocol error", Callback.NOOP);
      lost("it broke the peer protocol");
      return;
    }
    core.demand();
  }

  abstract void onControl(TunnelMessage message) throws ProtocolException;

  abstract void onData(DataFrame.Chunk chunk) throws ProtocolException;

  /** A pong to this end's ping; the payload is valid only during the call. */
  void onPong(ByteBuffer payload) {}

  /** Ends every stream of the link once; {@code why} says why in the log. */
  abstract void lost(String why);

  /** Whether the link is over; nothing is written then. */
  abstract boolean isClosed();

  void send(TunnelMessage message) {
    write(new Frame(OpCode.TEXT, TunnelCodec.encode(message)));
  }

  /** Sends a data frame; {@code frame} is the link's from now on. */
  void sendFrame(ByteBuffer frame) {
    write(new Frame(OpCode.BINARY, frame));
  }

  void ping(ByteBuffer payload) {
    write(new Frame(OpCode.PING, payload));
  }

  /** Jetty's session queues what it is given in order, from any thread, and writes it. */
  private void write(Frame frame) {
    CoreSession socket = core;
    if (!isClosed() && socket != null) {
      socket.sendFrame(frame, written, false);
    }
  }

  long lastHeardNanos() {
    return lastHeardNanos;
  }

  /** Closes the link with a reason the other end logs. */
  void closeLink(int code, String reason) {
    CoreSession socket = core;
    if (socket != null) {
      socket.close(code, reason, Callback.NOOP);
    }
  }

  /** Drops the connection without a goodbye, as a network failure would. */
  void abortLink() {
    CoreSession socket = core;
    if (socket != null) {
      socket.abort();
    }
  }

  @Override
  public void onError(Throwable cause, Callback callback) {
    LOG.debug("peer link error node={} cause={}", node, cause.toString());
    callback.succeeded(); // onClosed follows
  }

  @Override
  public void onClosed(CloseStatus status, Callback callback) {
    lost("the link closed (" + status.getCode() + " " + status.getReason() + ")");
    callback.succeeded();
  }
}
