package dev.tether.relay.cluster;

import dev.tether.relay.agent.Instance;
import dev.tether.relay.agent.StreamPeer;
import dev.tether.relay.agent.TunnelStream;
import dev.tether.relay.session.Session;
import dev.tether.relay.targets.OtherNodes;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The other nodes' instances for this node's function sessions: one poller reads the registry
 * in Redis for each function some open window watches (that function's index and its entries,
 * once per {@code cluster.pollInterval}, however many windows), and a stream to one of them goes
 * over the peer link to its node as an {@code open-instance}. Without a watching window it reads
 * nothing.
 */
public final class ClusterTargets implements OtherNodes, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterTargets.class);
  private final Cluster cluster;
  private final PeerLinks links;
  private final Map<String, Set<Consumer<List<Instance>>>> watching = new ConcurrentHashMap<>();
  private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "relay-cluster-targets");
    t.setDaemon(true);
    return t;
  });

  public ClusterTargets(Cluster cluster, PeerLinks links, Duration every) {
    this.cluster = cluster;
    this.links = links;
    poller.scheduleWithFixedDelay(this::pollAll, every.toMillis(), every.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  @Override
  public Runnable watch(String function, Consumer<List<Instance>> now) {
    watching.computeIfAbsent(function, f -> ConcurrentHashMap.newKeySet()).add(now);
    poller.execute(() -> poll(function, Set.of(now)));
    return () -> watching.computeIfPresent(function, (f, all) -> {
      all.remove(now);
      return all.isEmpty() ? null : all;
    });
  }

  private void pollAll() {
    watching.forEach(this::poll);
  }

  private void poll(String function, Set<Consumer<List<Instance>>> listeners) {
    try {
      cluster.remoteInstancesOf(function).ifPresent(remote -> {
        List<Instance> now = remote.stream().map(ClusterTargets::instance).toList();
        listeners.forEach(listener -> listener.accept(now));
      });
    } catch (RuntimeException e) {
      LOG.warn("other nodes' instances not read function={} cause={}", function, e.toString());
    }
  }

  private static Instance instance(Cluster.RemoteInstance remote) {
    Instant since;
    try {
      since = Instant.parse(remote.connectedAt());
    } catch (DateTimeParseException e) {
      since = Instant.EPOCH;
    }
    return new Instance(remote.function(), remote.instance(), remote.runtime(), "", since);
  }

  @Override
  public CompletableFuture<Carried> carry(Instance instance, Session session, StreamPeer peer) {
    Cluster.RemoteInstance where;
    try {
      where = cluster.findRemote(instance.function(), instance.id()).orElse(null);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (where == null) {
      return CompletableFuture.failedFuture(new IllegalStateException(
          instance.name() + " is on no other node now"));
    }
    return links.to(where.node(), where.peer()).thenApply(link -> {
      TunnelStream stream = link.instanceStream(peer);
      return new Carried(stream, () -> link.openInstance(stream, instance.function(),
          instance.id(), session.id(), session.subject(), session.mode().claim()));
    });
  }

  @Override
  public void close() {
    poller.shutdownNow();
  }
}
