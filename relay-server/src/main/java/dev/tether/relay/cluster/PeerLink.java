package dev.tether.relay.cluster;

import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.DataFrame;
import dev.tether.protocol.ProtocolException;
import dev.tether.protocol.Tunnel;
import dev.tether.protocol.TunnelCodec;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.agent.StreamCarrier;
import dev.tether.relay.agent.StreamPeer;
import dev.tether.relay.agent.TunnelStream;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's end of its one peer link to another node of the cluster: a WebSocket it dialled
 * with a peer token, carrying every DevTools socket this node forwards there as a {@link
 * TunnelStream}, with the agent tunnel's data frames, control messages and per-stream credit (the
 * other node plays the shim's part). It always keeps reading, so a DevTools that stopped reading
 * holds up only its own stream (its credit stops flowing back); what it sends waits in one ordered
 * outbox, bounded by the credit of its streams. Losing the link ends its streams with {@link
 * CloseCodes#NODE_LOST}; the next attach to that node dials a new one. Its listener methods run
 * on the thread that read the frame ({@link PeerLinks}' client has a direct executor), so nothing
 * they do may block.
 */
final class PeerLink implements StreamCarrier, WebSocket.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(PeerLink.class);

  private final String node;
  private final Map<Integer, TunnelStream> streams = new ConcurrentHashMap<>();
  private final Map<Integer, PeeredDevTools> attaching = new ConcurrentHashMap<>();
  private final AtomicInteger lastStreamId = new AtomicInteger();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final PeerOutbox outbox = new PeerOutbox(this::broken);
  private final StringBuilder text = new StringBuilder();
  private ByteBuffer binary; // a data frame arriving in parts; the reading thread's only
  private volatile long lastHeardNanos = System.nanoTime();
  private volatile long roundTripNanos;

  PeerLink(String node) {
    this.node = node;
  }

  String node() {
    return node;
  }

  boolean isOpen() {
    return !closed.get();
  }

  int streamCount() {
    return streams.size();
  }

  /** Called once the WebSocket is up, before any stream uses it. */
  void connected(WebSocket socket) {
    outbox.connected(socket);
  }

  /**
   * Opens a stream for {@code devtools} and asks the other node to attach {@code ticket} to it;
   * {@code devtools} hears {@code opened} or its refusal.
   */
  TunnelStream attach(PeeredDevTools devtools, String ticket, String client) {
    int id = lastStreamId.incrementAndGet();
    TunnelStream stream = new TunnelStream(id, this, devtools, Tunnel.DEFAULT_WINDOW);
    streams.put(id, stream);
    attaching.put(id, devtools);
    if (closed.get()) {
      streams.remove(id);
      attaching.remove(id);
      devtools.refused(lost());
      return stream;
    }
    send(new TunnelMessage.Attach(id, ticket, client, Tunnel.DEFAULT_WINDOW));
    return stream;
  }

  /**
   * A stream for {@code peer} to an instance the other node holds; {@link #openInstance} asks
   * for it once the caller is ready for its events. Refused or lost, it closes with the reason.
   */
  TunnelStream instanceStream(StreamPeer peer) {
    int id = lastStreamId.incrementAndGet();
    TunnelStream stream = new TunnelStream(id, this, peer, Tunnel.DEFAULT_WINDOW);
    streams.put(id, stream);
    return stream;
  }

  /** Asks the other node to open {@code stream} on its instance (see {@link #instanceStream}). */
  void openInstance(TunnelStream stream, String function, String instance, String session,
      String user, String mode) {
    if (closed.get()) {
      streams.remove(stream.id(), stream);
      stream.onClosed(CloseCodes.NODE_LOST, lost().message());
      return;
    }
    send(new TunnelMessage.OpenInstance(stream.id(), function, instance, session, user, mode,
        Tunnel.DEFAULT_WINDOW));
  }

  @Override
  public void send(TunnelMessage message) {
    if (!closed.get()) {
      outbox.text(TunnelCodec.encode(message));
    }
  }

  @Override
  public void sendFrame(ByteBuffer frame) {
    if (!closed.get()) {
      outbox.binary(frame);
    }
  }

  @Override
  public void streamEnded(TunnelStream stream, TunnelMessage.Close close) {
    streams.remove(stream.id(), stream);
    attaching.remove(stream.id());
    if (close != null) {
      send(close);
    }
  }

  @Override
  public long roundTripNanos() {
    return roundTripNanos;
  }

  /** Pings the other node with the time it left (its pong echoes it); false once silent too long. */
  boolean heartbeat(long silentLimitNanos) {
    if (System.nanoTime() - lastHeardNanos > silentLimitNanos) {
      broken("nothing heard from the node");
      return false;
    }
    outbox.ping(ByteBuffer.allocate(Long.BYTES).putLong(0, System.nanoTime()));
    return true;
  }

  @Override
  public void onOpen(WebSocket socket) {
    socket.request(1);
  }

  @Override
  public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
    lastHeardNanos = System.nanoTime();
    text.append(data);
    try {
      if (text.length() > TunnelCodec.MAX_CONTROL_MESSAGE_BYTES) {
        throw new ProtocolException("control message over "
            + TunnelCodec.MAX_CONTROL_MESSAGE_BYTES + " bytes");
      }
      if (last) {
        ByteBuffer message = StandardCharsets.UTF_8.encode(text.toString());
        text.setLength(0);
        onControl(TunnelCodec.decode(message));
      }
    } catch (ProtocolException | RuntimeException e) {
      protocolError(socket, e);
      return null;
    }
    socket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onBinary(WebSocket socket, ByteBuffer data, boolean last) {
    lastHeardNanos = System.nanoTime();
    try {
      ByteBuffer message = data;
      if (binary != null || !last) {
        if (binary == null) {
          binary = ByteBuffer.allocate(DataFrame.HEADER_BYTES + DataFrame.MAX_CHUNK);
        }
        if (data.remaining() > binary.remaining()) {
          throw new ProtocolException("data frame over one chunk");
        }
        binary.put(data);
        message = null;
        if (last) {
          message = binary.flip();
          binary = null;
        }
      }
      if (message != null) {
        DataFrame.Chunk chunk = DataFrame.decode(message);
        TunnelStream stream = stream(chunk.stream());
        if (stream != null) {
          stream.onData(this, chunk.payload(), chunk.fin()); // copies what it keeps
        }
      }
    } catch (ProtocolException | RuntimeException e) {
      protocolError(socket, e);
      return null;
    }
    socket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onPong(WebSocket socket, ByteBuffer message) {
    long now = System.nanoTime();
    lastHeardNanos = now;
    if (message.remaining() == Long.BYTES) {
      long sample = now - message.getLong(message.position());
      if (sample > 0) {
        long smoothed = roundTripNanos;
        roundTripNanos = smoothed == 0 ? sample : smoothed - smoothed / 8 + sample / 8;
      }
    }
    socket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onPing(WebSocket socket, ByteBuffer message) {
    lastHeardNanos = System.nanoTime();
    socket.request(1); // the client answers with a pong by itself
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket socket, int code, String reason) {
    broken("it closed the link (" + code + " " + reason + ")");
    return null;
  }

  @Override
  public void onError(WebSocket socket, Throwable error) {
    broken("the link failed (" + error.getClass().getSimpleName() + ")");
  }

  private void onControl(TunnelMessage message) throws ProtocolException {
    if (message instanceof TunnelMessage.Opened opened) {
      attaching.remove(opened.stream());
      TunnelStream stream = stream(opened.stream());
      if (stream != null) {
        stream.onOpened(this, opened.window());
      }
    } else if (message instanceof TunnelMessage.Refused refused) {
      PeeredDevTools devtools = attaching.remove(refused.stream());
      TunnelStream stream = stream(refused.stream());
      if (devtools != null) {
        devtools.refused(new PeerRefusal(refused.status(), refused.error(), refused.message()));
      }
      if (stream != null) {
        streams.remove(refused.stream(), stream);
        stream.onClosed(CloseCodes.POLICY_VIOLATION, refused.message());
      }
    } else if (message instanceof TunnelMessage.Credit credit) {
      TunnelStream stream = stream(credit.stream());
      if (stream != null) {
        stream.onCredit(this, credit.bytes(), credit.ack());
      }
    } else if (message instanceof TunnelMessage.Close close) {
      TunnelStream stream = stream(close.stream());
      if (stream != null) {
        stream.onClosed(close.code(), close.reason());
      }
    } else {
      throw new ProtocolException(message.getClass().getSimpleName()
          + " is not a message a peer node sends to the landing node");
    }
  }

  /** The live stream; null for one that ended; an error for one never opened. */
  private TunnelStream stream(int id) throws ProtocolException {
    TunnelStream stream = streams.get(id);
    if (stream == null && (id <= 0 || id > lastStreamId.get())) {
      throw new ProtocolException("unknown stream " + id);
    }
    return stream;
  }

  private void protocolError(WebSocket socket, Exception e) {
    LOG.warn("peer link protocol error node={} cause={}", node, e.getMessage());
    socket.sendClose(CloseCodes.PROTOCOL_ERROR, "protocol error");
    broken("it broke the peer protocol");
  }

  /** Closes the link as this node's side decides (the node is stopping). */
  void close() {
    outbox.close(CloseCodes.GOING_AWAY, "the relay node is stopping");
    broken("this node is stopping");
  }

  /** Ends every stream of the link once, with a code and a reason each DevTools window shows. */
  private void broken(String why) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    LOG.info("peer link lost node={} streams={} reason=\"{}\"", node, streams.size(), why);
    outbox.abort();
    PeerRefusal lost = lost();
    for (PeeredDevTools devtools : List.copyOf(attaching.values())) {
      devtools.refused(lost);
    }
    attaching.clear();
    for (TunnelStream stream : List.copyOf(streams.values())) {
      stream.onClosed(CloseCodes.NODE_LOST, "lost the link to relay node " + node
          + " holding this session; attach again");
    }
  }

  private PeerRefusal lost() {
    return new PeerRefusal(502, "node_unreachable", "the relay node " + node + " that holds the"
        + " session does not answer (it may have just stopped); try again or start a new session");
  }

  /** A refusal of the node holding the session, answered to the DevTools upgrade as it is. */
  record PeerRefusal(int status, String error, String message) {}
}
