package dev.tether.relay.cluster;

import dev.tether.relay.auth.Ticket;
import dev.tether.relay.connect.Bridge;
import dev.tether.relay.connect.LocalToRelay;
import dev.tether.relay.connect.RelayToLocal;
import dev.tether.relay.http.ApiError;
import dev.tether.relay.http.Json;
import dev.tether.relay.session.Session;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The landing side of peering: a DevTools socket whose session lives on another node is carried
 * to that node over a peer socket ({@code /peer/devtools}, a peer token, the ticket in a header),
 * frame for frame with backpressure both ways ({@link Bridge}), and each side gets the other's
 * close code and reason. The holding node checks the ticket again and runs every policy; this
 * node only shovels bytes and pings the DevTools socket so an idle window stays connected.
 */
public final class PeerDevTools {
  private static final Logger LOG = LoggerFactory.getLogger(PeerDevTools.class);
  public static final String PATH = "/peer/devtools";
  public static final String TICKET_HEADER = "X-Tether-Ticket";
  public static final String REMOTE_HEADER = "X-Tether-Remote";
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private final Cluster cluster;
  private final ScheduledExecutorService scheduler;
  private final Duration keepAlive;
  private final HttpClient http = HttpClient.newHttpClient();

  public PeerDevTools(Cluster cluster, ScheduledExecutorService scheduler, Duration keepAlive) {
    this.cluster = cluster;
    this.scheduler = scheduler;
    this.keepAlive = keepAlive;
  }

  /** Opens the peer socket to the node holding {@code ticket}'s session; its DevTools handler. */
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
    Bridge bridge = new Bridge(() -> CompletableFuture.completedFuture(null), ticket.sessionId(),
        ticket.instance());
    try {
      http.newWebSocketBuilder().connectTimeout(CONNECT_TIMEOUT)
          .header("Authorization", "Bearer " + cluster.peerTokens().mint(cluster.nodeId()))
          .header(TICKET_HEADER, token)
          .header(REMOTE_HEADER, remote == null ? "" : remote)
          .buildAsync(URI.create(peer.toString().replaceAll("/$", "") + PATH),
              new RelayToLocal(bridge))
          .get(CONNECT_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw refusal(e.getCause(), node);
    } catch (TimeoutException e) {
      throw new ApiError(504, "node_timeout", "the relay node " + node + " holding the session did"
          + " not answer in time; try again");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiError(503, "interrupted", "the relay is shutting down");
    }
    LOG.info("devtools peered session={} node={}", ticket.sessionId(), node);
    ScheduledFuture<?> pings = scheduler.scheduleAtFixedRate(() -> {
      var local = bridge.local();
      if (local != null && local.isOutputOpen()) {
        local.sendFrame(new Frame(OpCode.PING), Callback.NOOP, false);
      }
    }, keepAlive.toMillis(), keepAlive.toMillis(), TimeUnit.MILLISECONDS);
    bridge.onEnd(() -> pings.cancel(false));
    return new LocalToRelay(bridge);
  }

  /** The holding node's refusal, passed on with its status, code and message. */
  private static ApiError refusal(Throwable cause, String node) {
    if (cause instanceof WebSocketHandshakeException refused) {
      int status = refused.getResponse().statusCode();
      try {
        var error = Json.MAPPER.readTree(String.valueOf(refused.getResponse().body()));
        return new ApiError(status, error.path("error").asText("node_refused"),
            error.path("message").asText("the relay node " + node + " refused the attach"));
      } catch (Exception notJson) {
        return new ApiError(502, "node_refused", "the relay node " + node + " refused the attach"
            + " with HTTP " + status);
      }
    }
    return new ApiError(502, "node_unreachable", "the relay node " + node + " that holds the"
        + " session does not answer (it may have just stopped); start a new session");
  }
}
