package dev.tether.relay.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.protocol.Target;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.agent.AgentRegistry;
import dev.tether.relay.agent.AgentTunnel;
import dev.tether.relay.agent.StreamPeer;
import dev.tether.relay.agent.TunnelStream;
import dev.tether.relay.http.ApiError;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The holding node's check of an {@code open-instance} from another node: the session it names
 * is a live function session of that very node for that function (its entry in Redis), and the
 * instance is connected here under that function; only then a stream opens on the instance's
 * tunnel. Deny by default: anything unknown is a refusal with a reason.
 */
final class InstanceOpener {
  private final Cluster cluster;
  private final AgentRegistry registry;
  private final ScheduledExecutorService scheduler;
  private final Duration keepAlive;

  InstanceOpener(Cluster cluster, AgentRegistry registry, ScheduledExecutorService scheduler,
      Duration keepAlive) {
    this.cluster = cluster;
    this.registry = registry;
    this.scheduler = scheduler;
    this.keepAlive = keepAlive;
  }

  ScheduledExecutorService scheduler() {
    return scheduler;
  }

  Duration keepAlive() {
    return keepAlive;
  }

  /** A stream on the instance's tunnel, not asked for yet, and the inspector target to open. */
  record Opening(TunnelStream stream, String target) {}

  /** A stream for {@code peer} on the instance, asked by node {@code from}; or a refusal. */
  Opening open(String from, TunnelMessage.OpenInstance open, StreamPeer peer) {
    Optional<JsonNode> session;
    try {
      session = cluster.remoteSession(open.session());
    } catch (ClusterStore.Unavailable e) {
      throw Cluster.unavailable("check a session of another node");
    }
    boolean fits = session.isPresent()
        && session.get().path("node").asText().equals(from)
        && session.get().path("function").asText().equals(open.function())
        && session.get().path("mode").asText().equals(open.mode())
        && session.get().path("user").asText().equals(open.user());
    if (!fits) {
      throw new ApiError(403, "session_mismatch", "relay node " + from + " holds no function"
          + " session " + open.session() + " of " + open.user() + " for " + open.function()
          + " in mode " + open.mode() + "; start a new session");
    }
    Optional<AgentTunnel> tunnel = registry.find(open.function(), open.instance())
        .filter(AgentTunnel::isOpen);
    if (tunnel.isEmpty()) {
      throw new ApiError(404, "instance_not_found", "instance " + open.function() + "/"
          + open.instance() + " is not connected to relay node " + cluster.nodeId()
          + " (it may have just gone); list the targets again");
    }
    List<Target> targets = tunnel.get().targets();
    if (targets.isEmpty()) {
      throw ApiError.conflict("no_target", "instance " + open.instance()
          + " reports no inspector target yet; try again in a moment");
    }
    TunnelStream stream = tunnel.get().newStream(peer).orElseThrow(() -> new ApiError(404,
        "instance_not_found", "instance " + open.instance() + " is going away"));
    return new Opening(stream, targets.get(0).id());
  }
}
