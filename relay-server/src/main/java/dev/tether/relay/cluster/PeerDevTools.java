package dev.tether.relay.cluster;

import dev.tether.relay.agent.TunnelStream;
import dev.tether.relay.auth.Ticket;
import dev.tether.relay.http.ApiError;
import dev.tether.relay.session.Session;
import java.net.URI;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The landing side of peering: a DevTools socket whose session lives on another node becomes one
 * stream of this node's peer link to that node ({@link PeerLinks}, dialled on first need and
 * shared by every such socket). The upgrade waits for the holding node's answer, so a refusal
 * there (ticket, session, instance, one DevTools per session) is this upgrade's HTTP status and
 * JSON reason. The holding node checks the ticket again and runs every policy; this node only
 * shovels bytes ({@link PeeredDevTools}).
 */
public final class PeerDevTools {
  private static final Logger LOG = LoggerFactory.getLogger(PeerDevTools.class);
  private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);

  private final Cluster cluster;
  private final PeerLinks links;
  private final ScheduledExecutorService scheduler;
  private final Duration keepAlive;

  public PeerDevTools(Cluster cluster, PeerLinks links, ScheduledExecutorService scheduler,
      Duration keepAlive) {
    this.cluster = cluster;
    this.links = links;
    this.scheduler = scheduler;
    this.keepAlive = keepAlive;
  }

  /** Attaches through the node holding {@code ticket}'s session; its DevTools handler. */
  public FrameHandler attach(Ticket ticket, String token, String remote) {
    URI peer;
    String node;
    try {
      if (ticket.instance().equals(Session.ALL_INSTANCES)) {
        var session = cluster.remoteSession(ticket.sessionId()).orElseThrow(() ->
            ApiError.notFound("session_not_found", "session " + ticket.sessionId()
                + " does not exist (any more) on any node; start a new session"));
        peer = URI.create(session.path("peer").asText());
        node = session.path("node").asText();
      } else {
        Cluster.RemoteInstance instance =
            cluster.findRemote(ticket.function(), ticket.instance()).orElseThrow(() ->
                ApiError.conflict("instance_offline", "the function instance "
                    + ticket.function() + "/" + ticket.instance() + " is not connected to any"
                    + " node of this cluster; start a new session when it is back"));
        peer = instance.peer();
        node = instance.node();
      }
    } catch (ClusterStore.Unavailable e) {
      throw Cluster.unavailable("attach to a session on another node");
    }
    PeeredDevTools devtools = new PeeredDevTools(scheduler, keepAlive);
    TunnelStream stream = null;
    try {
      PeerLink link = links.to(node, peer)
          .get(PeerLinks.CONNECT_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
      stream = link.attach(devtools, token, remote == null ? "" : remote);
      devtools.streamIs(stream);
      PeerLink.PeerRefusal refused =
          devtools.answer().get(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (refused != null) {
        throw new ApiError(refused.status(), refused.error(), refused.message());
      }
    } catch (ExecutionException e) {
      if (e.getCause() instanceof WebSocketHandshakeException refused) {
        LOG.warn("peer link refused node={} status={}", node, refused.getResponse().statusCode());
        throw new ApiError(502, "node_refused", "the relay node " + node + " refused this node's"
            + " peer link (HTTP " + refused.getResponse().statusCode() + "); every node needs the"
            + " same signing key and relay version");
      }
      throw unreachable(node);
    } catch (TimeoutException e) {
      if (stream != null) {
        stream.close(1001, "the relay node holding the session did not answer in time");
      }
      throw new ApiError(504, "node_timeout", "the relay node " + node + " holding the session did"
          + " not answer in time; try again");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiError(503, "interrupted", "the relay is shutting down");
    }
    LOG.info("devtools peered session={} node={} stream={}", ticket.sessionId(), node,
        stream.id());
    return devtools;
  }

  private static ApiError unreachable(String node) {
    return new ApiError(502, "node_unreachable", "the relay node " + node + " that holds the"
        + " session does not answer (it may have just stopped); start a new session");
  }
}
