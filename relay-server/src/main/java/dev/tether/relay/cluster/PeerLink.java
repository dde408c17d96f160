package dev.tether.relay.cluster;

import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.DataFrame;
import dev.tether.protocol.ProtocolException;
import dev.tether.protocol.Tunnel;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.agent.StreamCarrier;
import dev.tether.relay.agent.StreamPeer;
import dev.tether.relay.agent.TunnelStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
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
 * holds up only its own stream (its credit stops flowing back); what it sends waits in Jetty's
 * session, in order, bounded by the credit of its streams. Losing the link ends its streams with
 * {@link CloseCodes#NODE_LOST}; the next attach to that node dials a new one.
 */
final class PeerLink extends PeerLinkEnd implements StreamCarrier {
  private static final Logger LOG = LoggerFactory.getLogger(PeerLink.class);

  private final Map<Integer, TunnelStream> streams = new ConcurrentHashMap<>();
  private final Map<Integer, PeeredDevTools> attaching = new ConcurrentHashMap<>();
  private final AtomicInteger lastStreamId = new AtomicInteger();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile long roundTripNanos;

  PeerLink(String node) {
    super(node);
  }

  boolean isOpen() {
    return !closed.get();
  }

  @Override
  boolean isClosed() {
    return closed.get();
  }

  int streamCount() {
    return streams.size();
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
    super.send(message);
  }

  @Override
  public void sendFrame(ByteBuffer frame) {
    super.sendFrame(frame);
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
    if (System.nanoTime() - lastHeardNanos() > silentLimitNanos) {
      lost("nothing heard from the node");
      return false;
    }
    ping(ByteBuffer.allocate(Long.BYTES).putLong(0, System.nanoTime()));
    return true;
  }

  @Override
  void onPong(ByteBuffer message) {
    if (message != null && message.remaining() == Long.BYTES) {
      long sample = System.nanoTime() - message.getLong(message.position());
      if (sample > 0) {
        long smoothed = roundTripNanos;
        roundTripNanos = smoothed == 0 ? sample : smoothed - smoothed / 8 + sample / 8;
      }
    }
  }

  @Override
  void onData(DataFrame.Chunk chunk) throws ProtocolException {
    TunnelStream stream = stream(chunk.stream());
    if (stream != null) {
      stream.onData(this, chunk.payload(), chunk.fin()); // copies what it keeps
    }
  }

  @Override
  void onControl(TunnelMessage message) throws ProtocolException {
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

  /** Closes the link as this node's side decides (the node is stopping). */
  void close() {
    closeLink(CloseCodes.GOING_AWAY, "the relay node is stopping");
    lost("this node is stopping");
  }

  /** Ends every stream of the link once, with a code and a reason each DevTools window shows. */
  @Override
  void lost(String why) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    LOG.info("peer link lost node={} streams={} reason=\"{}\"", node(), streams.size(), why);
    abortLink(); // after a close was sent, the rest of the goodbye is not waited for
    PeerRefusal lost = lost();
    for (PeeredDevTools devtools : List.copyOf(attaching.values())) {
      devtools.refused(lost);
    }
    attaching.clear();
    for (TunnelStream stream : List.copyOf(streams.values())) {
      stream.onClosed(CloseCodes.NODE_LOST, "lost the link to relay node " + node()
          + " holding this session; attach again");
    }
  }

  private PeerRefusal lost() {
    return new PeerRefusal(502, "node_unreachable", "the relay node " + node() + " that holds the"
        + " session does not answer (it may have just stopped); try again or start a new session");
  }

  /** A refusal of the node holding the session, answered to the DevTools upgrade as it is. */
  record PeerRefusal(int status, String error, String message) {}
}
