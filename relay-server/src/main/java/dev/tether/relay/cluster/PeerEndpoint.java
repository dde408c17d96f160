package dev.tether.relay.cluster;

import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.DataFrame;
import dev.tether.protocol.ProtocolException;
import dev.tether.protocol.Tunnel;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.auth.AuthException;
import dev.tether.relay.auth.Ticket;
import dev.tether.relay.auth.TokenVerifier;
import dev.tether.relay.devtools.DevToolsNegotiator;
import dev.tether.relay.http.ApiError;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The holding node's end of a peer link another node dialled ({@code WS /peer}): each {@code
 * attach} brings a DevTools client's ticket, which is checked here again and marked used in this
 * node's replay cache, and the session is then admitted exactly as for a local DevTools socket
 * (same handler, policy, limits, audit), over a {@link PeerStreamSocket}. It always keeps
 * reading; credit bounds what each stream may send. A protocol error closes the link, which ends
 * every stream on it. An {@code open-instance} (a function session of the other node attaching
 * to an instance here) is checked against the registry and the session's entry in Redis, then
 * bridged straight to the instance's tunnel stream: its policy and audit run on the other node.
 */
final class PeerEndpoint extends PeerLinkEnd {
  private static final Logger LOG = LoggerFactory.getLogger(PeerEndpoint.class);

  private final String remote;
  private final TokenVerifier verifier;
  private final DevToolsNegotiator devtools;
  private final InstanceOpener instances;
  /** Instance streams waiting for their shim to open; the link's other side may close them. */
  private final Map<Integer, PeeredDevTools> opening = new ConcurrentHashMap<>();
  private final Map<Integer, PeerStreamSocket> streams = new ConcurrentHashMap<>();
  private int lastStreamId; // the reading thread's only
  private volatile boolean closed;

  PeerEndpoint(String node, String remote, TokenVerifier verifier, DevToolsNegotiator devtools,
      InstanceOpener instances) {
    super(node);
    this.instances = instances;
    this.remote = remote;
    this.verifier = verifier;
    this.devtools = devtools;
  }

  @Override
  void opened() {
    LOG.info("peer link accepted node={} remote={}", node(), remote);
  }

  @Override
  void onData(DataFrame.Chunk chunk) throws ProtocolException {
    PeerStreamSocket stream = stream(chunk.stream());
    if (stream != null) {
      stream.onData(chunk.payload(), chunk.fin());
    }
  }

  @Override
  void onControl(TunnelMessage message) throws ProtocolException {
    if (message instanceof TunnelMessage.Attach attach) {
      if (attach.stream() <= lastStreamId) {
        throw new ProtocolException("stream " + attach.stream() + " was opened before");
      }
      lastStreamId = attach.stream();
      attach(attach);
    } else if (message instanceof TunnelMessage.OpenInstance open) {
      if (open.stream() <= lastStreamId) {
        throw new ProtocolException("stream " + open.stream() + " was opened before");
      }
      lastStreamId = open.stream();
      openInstance(open);
    } else if (message instanceof TunnelMessage.Credit credit) {
      PeerStreamSocket stream = stream(credit.stream());
      if (stream != null && credit.bytes() > 0) {
        stream.onCredit(credit.bytes());
      }
    } else if (message instanceof TunnelMessage.Close close) {
      PeerStreamSocket stream = stream(close.stream());
      if (stream != null) {
        stream.closedByClient(close.code(), close.reason());
      }
      PeeredDevTools waiting = opening.remove(close.stream());
      if (waiting != null) {
        waiting.closeOnce(close.code(), close.reason(), true);
      }
    } else {
      throw new ProtocolException(message.getClass().getSimpleName()
          + " is not a message a landing node sends on a peer link");
    }
  }

  /** Admits the client as a local socket would be, or answers with the refusal. */
  private void attach(TunnelMessage.Attach attach) {
    String client = attach.client().isBlank() ? remote : attach.client() + " via " + node();
    FrameHandler handler;
    try {
      Ticket ticket;
      try {
        ticket = verifier.redeemTicket(attach.ticket());
      } catch (AuthException e) {
        throw ApiError.from(e);
      }
      handler = devtools.attachRedeemed(ticket, client);
    } catch (ApiError e) {
      devtools.refused(e, client, "peer");
      send(new TunnelMessage.Refused(attach.stream(), e.status(), e.code(), e.getMessage()));
      return;
    }
    PeerStreamSocket stream =
        new PeerStreamSocket(attach.stream(), this, handler, attach.window(), client);
    streams.put(stream.id(), stream);
    send(new TunnelMessage.Opened(stream.id(), Tunnel.DEFAULT_WINDOW));
    stream.start();
    if (closed) {
      stream.closedByClient(CloseCodes.NODE_LOST, "the peer link closed");
    }
  }

  /**
   * Opens a stream on the instance's tunnel for a function session of the other node, once
   * {@link InstanceOpener} found that session and instance fit; answers opened when the shim
   * opened its inspector session, or the refusal.
   */
  private void openInstance(TunnelMessage.OpenInstance open) {
    int id = open.stream();
    PeeredDevTools bridge = new PeeredDevTools(instances.scheduler(), instances.keepAlive());
    InstanceOpener.Opening stream;
    try {
      stream = instances.open(node(), open, bridge);
    } catch (ApiError e) {
      LOG.info("instance stream refused node={} function={} instance={} session={} error={}",
          node(), open.function(), open.instance(), open.session(), e.code());
      send(new TunnelMessage.Refused(id, e.status(), e.code(), e.getMessage()));
      return;
    }
    bridge.streamIs(stream.stream());
    opening.put(id, bridge);
    String client = "relay node " + node() + " for session " + open.session();
    bridge.answer().thenAccept(refusal -> {
      if (opening.remove(id) == null) {
        return; // the other node closed it meanwhile
      }
      if (refusal != null) { // the shim closed the stream instead of opening it
        send(new TunnelMessage.Refused(id, 404, "instance_not_found", "instance "
            + open.function() + "/" + open.instance() + " did not open: " + refusal.message()));
        return;
      }
      PeerStreamSocket socket = new PeerStreamSocket(id, this, bridge, open.window(), client);
      streams.put(id, socket);
      send(new TunnelMessage.Opened(id, Tunnel.DEFAULT_WINDOW));
      socket.start();
      if (closed) {
        socket.closedByClient(CloseCodes.NODE_LOST, "the peer link closed");
      }
    });
    stream.stream().open(stream.target(), open.session());
    LOG.info("instance stream opening node={} function={} instance={} session={} user={} mode={}",
        node(), open.function(), open.instance(), open.session(), open.user(), open.mode());
  }

  private PeerStreamSocket stream(int id) throws ProtocolException {
    PeerStreamSocket stream = streams.get(id);
    if (stream == null && (id <= 0 || id > lastStreamId)) {
      throw new ProtocolException("unknown stream " + id);
    }
    return stream;
  }

  void streamClosed(PeerStreamSocket stream, TunnelMessage.Close close) {
    streams.remove(stream.id(), stream);
    if (close != null) {
      send(close);
    }
  }

  @Override
  boolean isClosed() {
    return closed;
  }

  /** Ends every stream of the link: their sessions detach as when a local socket goes. */
  @Override
  void lost(String why) {
    if (closed) {
      return;
    }
    closed = true;
    LOG.info("peer link closed node={} streams={} reason=\"{}\"", node(), streams.size(), why);
    for (PeeredDevTools waiting : List.copyOf(opening.values())) {
      waiting.closeOnce(CloseCodes.NODE_LOST, "the peer link closed", true);
    }
    opening.clear();
    for (PeerStreamSocket stream : List.copyOf(streams.values())) {
      stream.closedByClient(CloseCodes.NODE_LOST,
          "the link to relay node " + node() + " closed");
    }
  }
}
