package dev.tether.relay.cluster;

import dev.tether.protocol.Tunnel;
import dev.tether.relay.agent.AgentRegistry;
import dev.tether.relay.auth.AuthException;
import dev.tether.relay.auth.TokenVerifier;
import dev.tether.relay.devtools.DevToolsNegotiator;
import dev.tether.relay.http.ApiError;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.Configuration;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.core.server.WebSocketNegotiator;

/**
 * The holding side of peering ({@code WS /peer}): only another node of the cluster, with a peer
 * token and the peer subprotocol, may open it; any other credential (a user's, an agent's, a
 * ticket) gets 401 {@code peer_refused}. What the link carries is {@link PeerEndpoint}'s.
 */
public final class PeerNegotiator implements WebSocketNegotiator {
  private final PeerTokens tokens;
  private final PeerLinks links;
  private final TokenVerifier verifier;
  private final DevToolsNegotiator devtools;
  private final Duration heartbeat;
  private final InstanceOpener instances;

  public PeerNegotiator(PeerTokens tokens, PeerLinks links, TokenVerifier verifier,
      DevToolsNegotiator devtools, Duration heartbeat, Cluster cluster, AgentRegistry registry,
      ScheduledExecutorService scheduler) {
    this.instances = new InstanceOpener(cluster, registry, scheduler, heartbeat);
    this.tokens = tokens;
    this.links = links;
    this.verifier = verifier;
    this.devtools = devtools;
    this.heartbeat = heartbeat;
  }

  @Override
  public FrameHandler negotiate(ServerUpgradeRequest request, ServerUpgradeResponse response,
      Callback callback) {
    String remote = Request.getRemoteAddr(request);
    try {
      String node;
      try {
        node = tokens.verify(TokenVerifier.bearer(request.getHeaders().get("Authorization")));
      } catch (PeerTokens.PeerRefused | AuthException e) {
        throw new ApiError(401, "peer_refused", "only another relay node of this cluster may open"
            + " " + Tunnel.PEER_PATH + ", with a peer token signed by the cluster's key");
      }
      if (!request.hasSubProtocol(Tunnel.PEER_SUBPROTOCOL)) {
        throw ApiError.badRequest("subprotocol_required", "a peer link speaks the WebSocket"
            + " subprotocol " + Tunnel.PEER_SUBPROTOCOL + " (offered: "
            + request.getSubProtocols() + "); run the same relay version on every node");
      }
      response.setAcceptedSubProtocol(Tunnel.PEER_SUBPROTOCOL);
      links.acceptedOne();
      return new PeerEndpoint(node, remote, verifier, devtools, instances);
    } catch (ApiError e) {
      devtools.refuse(response, callback, e, remote, "peer");
      return null;
    }
  }

  @Override
  public void customize(Configuration configuration) {
    PeerLinkEnd.configure(configuration, heartbeat);
  }
}
