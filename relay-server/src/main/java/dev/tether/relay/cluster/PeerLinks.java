package dev.tether.relay.cluster;

import dev.tether.protocol.Tunnel;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.websocket.core.Configuration;
import org.eclipse.jetty.websocket.core.client.CoreClientUpgradeRequest;
import org.eclipse.jetty.websocket.core.client.WebSocketCoreClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's peer links, one per other node at most: dialled on the first DevTools socket that
 * needs that node, reused by every later one, and dialled again after it broke. It also counts the
 * links other nodes opened to this one, so tests and metrics see how many sockets peering costs.
 */
public final class PeerLinks implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PeerLinks.class);
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private final String nodeId;
  private final PeerTokens tokens;
  private final ScheduledExecutorService scheduler;
  private final Duration heartbeat;
  /** Runs the links' client; the relay's own pool, which also runs its server side. */
  private final Executor threads;
  private WebSocketCoreClient client; // started on the first dial, once the pool runs
  private final Map<String, CompletableFuture<PeerLink>> links = new ConcurrentHashMap<>();
  private final AtomicInteger dialled = new AtomicInteger();
  private final AtomicInteger accepted = new AtomicInteger();
  private final ScheduledFuture<?> heartbeats;

  public PeerLinks(String nodeId, PeerTokens tokens, ScheduledExecutorService scheduler,
      Duration heartbeat, Executor threads) {
    this.nodeId = nodeId;
    this.threads = threads;
    this.tokens = tokens;
    this.scheduler = scheduler;
    this.heartbeat = heartbeat;
    this.heartbeats = scheduler.scheduleAtFixedRate(this::heartbeat, heartbeat.toMillis(),
        heartbeat.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * The open link to {@code node} at {@code peer}, dialled now if there is none; a future that
   * fails when the node cannot be reached (the next call dials again).
   */
  CompletableFuture<PeerLink> to(String node, URI peer) {
    return links.compute(node, (name, current) -> {
      if (current != null && (!current.isDone()
          || !current.isCompletedExceptionally() && current.join().isOpen())) {
        return current;
      }
      return dial(node, peer);
    });
  }

  private CompletableFuture<PeerLink> dial(String node, URI peer) {
    PeerLink link = new PeerLink(node);
    dialled.incrementAndGet();
    URI uri = URI.create(peer.toString().replaceAll("/$", "") + Tunnel.PEER_PATH);
    LOG.info("peer link dialling node={} uri={}", node, uri);
    try {
      CoreClientUpgradeRequest upgrade = CoreClientUpgradeRequest.from(client(), uri, link);
      upgrade.setSubProtocols(Tunnel.PEER_SUBPROTOCOL);
      upgrade.headers(headers -> headers.put("Authorization", "Bearer " + tokens.mint(nodeId)));
      upgrade.timeout(CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      Configuration.ConfigurationCustomizer limits = new Configuration.ConfigurationCustomizer();
      PeerLinkEnd.configure(limits, heartbeat);
      upgrade.setConfiguration(limits);
      return client().connect(upgrade).thenApply(socket -> {
        LOG.info("peer link open node={}", node);
        return link;
      });
    } catch (Exception e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * The links' client: Jetty's core one, as the server side is, on the relay's thread pool (no
   * threads, futures or send queue of its own). Started on first use, because the pool runs only
   * once the relay's server started.
   */
  private synchronized WebSocketCoreClient client() throws Exception {
    if (client == null) {
      HttpClient http = new HttpClient();
      http.setName("peer-links");
      http.setExecutor(threads);
      http.addBean(threads, false); // the relay's: it starts and stops it
      http.setConnectTimeout(CONNECT_TIMEOUT.toMillis());
      http.getClientConnector().setTCPNoDelay(true); // Jetty's default; a round trip waits on every frame
      WebSocketCoreClient started = new WebSocketCoreClient(http, null);
      started.start();
      client = started;
    }
    return client;
  }

  /** Where the links' client runs what it read; for tests. */
  Executor clientExecutor() throws Exception {
    return client().getHttpClient().getExecutor();
  }

  /** Links this node dialled since it started (one per node, plus one per reconnect). */
  public int dialled() {
    return dialled.get();
  }

  /** Links other nodes opened to this one since it started. */
  public int accepted() {
    return accepted.get();
  }

  void acceptedOne() {
    accepted.incrementAndGet();
  }

  /** Links open now. */
  public int open() {
    return openLinks().size();
  }

  /** Drops every open link as a network failure would (their streams end); for tests. */
  void dropAll() {
    openLinks().forEach(PeerLink::close);
  }

  /** Streams open on this node's links now. */
  public int streams() {
    return openLinks().stream().mapToInt(PeerLink::streamCount).sum();
  }

  private List<PeerLink> openLinks() {
    return links.values().stream()
        .filter(f -> f.isDone() && !f.isCompletedExceptionally())
        .map(CompletableFuture::join).filter(PeerLink::isOpen).toList();
  }

  private void heartbeat() {
    long silentLimit = heartbeat.multipliedBy(3).toNanos();
    for (PeerLink link : openLinks()) {
      link.heartbeat(silentLimit);
    }
  }

  @Override
  public void close() {
    heartbeats.cancel(false);
    openLinks().forEach(PeerLink::close);
    links.clear();
    stopClient();
  }

  private synchronized void stopClient() {
    if (client != null) {
      try {
        client.stop();
      } catch (Exception e) {
        LOG.warn("peer links' client did not stop cleanly cause={}", e.toString());
      }
      client = null;
    }
  }
}
