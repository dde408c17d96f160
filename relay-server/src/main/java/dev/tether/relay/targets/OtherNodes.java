package dev.tether.relay.targets;

import dev.tether.relay.agent.Instance;
import dev.tether.relay.agent.StreamPeer;
import dev.tether.relay.agent.TunnelStream;
import dev.tether.relay.session.Session;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The instances of a function that other relay nodes of the cluster hold, as a function session
 * sees them, and a stream to one of them over the peer link to its node; the cluster package
 * implements it (it depends on this one), {@link #NONE} is a relay that runs alone.
 */
public interface OtherNodes {
  OtherNodes NONE = new OtherNodes() {
    @Override
    public Runnable watch(String function, Consumer<List<Instance>> now) {
      return () -> { };
    }

    @Override
    public CompletableFuture<Carried> carry(Instance instance, Session session, StreamPeer peer) {
      return CompletableFuture.failedFuture(new IllegalStateException("no cluster"));
    }
  };

  /**
   * Tells {@code now} the function's instances on other nodes, at once and whenever they may have
   * changed (the same list again when nothing did; never called while that is unknown, e.g.
   * without Redis); the returned action stops it.
   */
  Runnable watch(String function, Consumer<List<Instance>> now);

  /**
   * A stream to {@code instance} on the node holding it, for {@code session}, whose events go to
   * {@code peer}; fails when that node cannot be reached.
   */
  CompletableFuture<Carried> carry(Instance instance, Session session, StreamPeer peer);

  /** A stream on a peer link, and the action that asks the holding node to open it. */
  record Carried(TunnelStream stream, Runnable open) {}
}
