package dev.tether.relay.cluster;

import dev.tether.relay.auth.AuthException;
import dev.tether.relay.auth.Ticket;
import dev.tether.relay.auth.TokenVerifier;
import dev.tether.relay.devtools.DevToolsNegotiator;
import dev.tether.relay.http.ApiError;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.Configuration;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.core.server.WebSocketNegotiator;

/**
 * The holding side of peering ({@code WS /peer/devtools}): only another node of the cluster, with
 * a peer token, may open it; it brings the DevTools client's ticket, which is checked here again
 * and marked used in this node's own replay cache, and then the session attaches exactly as a
 * local DevTools socket would (same policy, limits, audit).
 */
public final class PeerNegotiator implements WebSocketNegotiator {
  private final PeerTokens tokens;
  private final TokenVerifier verifier;
  private final DevToolsNegotiator devtools;

  public PeerNegotiator(PeerTokens tokens, TokenVerifier verifier, DevToolsNegotiator devtools) {
    this.tokens = tokens;
    this.verifier = verifier;
    this.devtools = devtools;
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
            + " " + PeerDevTools.PATH + ", with a peer token signed by the cluster's key");
      }
      Ticket ticket;
      try {
        ticket = verifier.redeemTicket(request.getHeaders().get(PeerDevTools.TICKET_HEADER));
      } catch (AuthException e) {
        throw ApiError.from(e);
      }
      String client = request.getHeaders().get(PeerDevTools.REMOTE_HEADER);
      return devtools.attachRedeemed(ticket,
          client == null || client.isBlank() ? remote : client + " via " + node);
    } catch (ApiError e) {
      devtools.refuse(response, callback, e, remote, "peer");
      return null;
    }
  }

  @Override
  public void customize(Configuration configuration) {
    devtools.customize(configuration);
  }
}
