package dev.tether.relay;

import dev.tether.protocol.Tunnel;
import dev.tether.relay.admin.AdminApi;
import dev.tether.relay.agent.AgentNegotiator;
import dev.tether.relay.agent.AgentRegistry;
import dev.tether.relay.api.FunctionsApi;
import dev.tether.relay.api.SessionsApi;
import dev.tether.relay.audit.AuditCode;
import dev.tether.relay.audit.AuditEvent;
import dev.tether.relay.audit.AuditLog;
import dev.tether.relay.audit.AuditStores;
import dev.tether.relay.cluster.Cluster;
import dev.tether.relay.cluster.ClusterTargets;
import dev.tether.relay.cluster.Forwarder;
import dev.tether.relay.cluster.PeerDevTools;
import dev.tether.relay.cluster.PeerLinks;
import dev.tether.relay.cluster.PeerNegotiator;
import dev.tether.relay.cluster.PeerTokens;
import dev.tether.relay.policy.PolicyAudit;
import dev.tether.relay.audit.SealSigner;
import dev.tether.relay.audit.SealVerifier;
import dev.tether.relay.auth.AuthConfig;
import dev.tether.relay.auth.SigningKeys;
import dev.tether.relay.auth.TicketMinting;
import dev.tether.relay.auth.TicketReplayCache;
import dev.tether.relay.auth.IssuerFile;
import dev.tether.relay.auth.TokenIssuer;
import dev.tether.relay.auth.TokenVerifier;
import dev.tether.relay.config.ClusterConfig;
import dev.tether.relay.config.RelayConfig;
import dev.tether.relay.devtools.DebugUrls;
import dev.tether.relay.devtools.DevToolsNegotiator;
import dev.tether.relay.devtools.OriginPolicy;
import dev.tether.relay.http.ApiError;
import dev.tether.relay.http.CorsHandler;
import dev.tether.relay.http.JsonErrorHandler;
import dev.tether.relay.http.Router;
import dev.tether.relay.inspector.InspectorInfo;
import dev.tether.relay.metrics.MetricsAccess;
import dev.tether.relay.metrics.MetricsHandler;
import dev.tether.relay.metrics.RelayMetrics;
import dev.tether.relay.policy.HandshakeDeadline;
import dev.tether.relay.policy.Policy;
import dev.tether.relay.policy.PolicyListener;
import dev.tether.relay.report.Crashes;
import dev.tether.relay.snapshot.Snapshots;
import dev.tether.relay.snapshot.SnapshotsApi;
import dev.tether.relay.report.ReportStore;
import dev.tether.relay.report.ReportStores;
import dev.tether.relay.report.ReportsApi;
import dev.tether.relay.session.EndReason;
import dev.tether.relay.session.Sessions;
import dev.tether.relay.web.CommandHints;
import dev.tether.relay.web.WebFiles;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.WebSocketConnection;
import org.eclipse.jetty.websocket.core.server.WebSocketUpgradeHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay server: HTTP API, the agents' tunnel endpoint and the DevTools endpoint on one port,
 * wired by hand. {@code try (Relay relay = Relay.start(config)) {...}}; close is idempotent.
 */
public final class Relay implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Relay.class);
  private static final Duration CLOSE_FRAMES_PATIENCE = Duration.ofSeconds(2);

  private final RelayConfig config;
  private final Clock clock;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final RelayMetrics metrics = new RelayMetrics();
  private Server server;
  private ServerConnector connector;
  private ScheduledExecutorService scheduler;
  private SigningKeys keys;
  private TokenIssuer issuer;
  private Sessions sessions;
  private AgentRegistry registry;
  private AuditLog audit;
  private ReportStore reports;
  private Snapshots snapshots;
  private URI publicUrl;
  private PolicyListener policyListener = PolicyListener.LOGGING;
  private LongSupplier policyNanos = System::nanoTime;
  private Policy policy;
  private RunningRelay running;
  private Cluster cluster;
  private PeerLinks peerLinks;
  private ClusterTargets clusterTargets;

  public Relay(RelayConfig config) {
    this(config, Clock.systemUTC());
  }

  public Relay(RelayConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
  }

  /** Creates and starts a relay. */
  public static Relay start(RelayConfig config) throws Exception {
    return new Relay(config).start();
  }

  /** Who hears policy refusals and warnings (default: log lines); set before {@link #start()}. */
  public synchronized Relay policyListener(PolicyListener listener) {
    if (server != null) {
      throw new IllegalStateException("set the policy listener before start()");
    }
    policyListener = listener;
    return this;
  }

  /**
   * The monotonic clock (nanoseconds) policy reads for rates and drain times; tests move it by
   * hand instead of waiting for the wall clock. Set it before {@link #start()}.
   */
  public synchronized Relay policyClock(LongSupplier nanoTime) {
    if (server != null) {
      throw new IllegalStateException("set the policy clock before start()");
    }
    policyNanos = nanoTime;
    return this;
  }

  /** Binds the port, loads (or creates) the signing key and starts serving. */
  public synchronized Relay start() throws Exception {
    if (server != null) {
      throw new IllegalStateException("this relay was started already");
    }
    ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "relay-timers");
      t.setDaemon(true);
      return t;
    });
    timers.setRemoveOnCancelPolicy(true);
    scheduler = timers;

    QueuedThreadPool threads = new QueuedThreadPool();
    threads.setName("relay");
    server = new Server(threads);
    server.setErrorHandler(new JsonErrorHandler());
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost(config.host());
    connector.setPort(config.port());
    connector.addBean(new HandshakeDeadline(scheduler, config.limits().handshakeTimeout()));
    server.addConnector(connector);
    try {
      bind(); // first: the public URL, and so the token issuer, needs the real port
      publicUrl = config.publicUrlFor(connector.getLocalPort());
      keys = SigningKeys.loadOrCreate(config.dataDir());
      IssuerFile.write(config.dataDir(), publicUrl.toString());
      issuer = new TokenIssuer(keys, publicUrl.toString(), clock);
      TokenVerifier verifier = new TokenVerifier(
          new AuthConfig(publicUrl.toString(), config.clockSkew(), config.ticketTtl(),
              config.externalIssuer()),
          keys, new TicketReplayCache(clock), clock);
      audit = AuditLog.start(AuditStores.create(config.audit(), config.dataDir(),
              config.cluster().map(ClusterConfig::nodeId).orElse("")), config.audit(),
          new SealSigner(keys.signer(), keys.keyId(), clock),
          SealVerifier.fromJwkSet(keys.publicJwkSetJson()), clock);
      sessions = new Sessions(scheduler, clock, config.maxSessionDuration(), config.idleTimeout(),
          audit);
      registry = new AgentRegistry(sessions, audit, clock);
      reports = ReportStores.create(config.audit(), config.dataDir());
      registry.onCrash(new Crashes(reports, audit, clock));
      if (config.cluster().isPresent()) {
        cluster = new Cluster(config.cluster().get(),
            new PeerTokens(keys, publicUrl.toString(), clock), registry, sessions, clock);
      }
      snapshots = Snapshots.open(registry, audit, clock, scheduler, config.snapshots(),
          config.dataDir(), keys, cluster); // before the cluster starts: it hears point changes
      registry.onSnapshot(snapshots);
      if (cluster != null) {
        cluster.start();
      }
      policy = new Policy(config.limits(), new PolicyAudit(audit, clock, policyListener), sessions,
          scheduler, policyNanos);
      metrics.watch(registry::size, sessions::live);
      metrics.auditQueueDepth(audit::queueDepth);
      server.setHandler(handlers(verifier));
      server.start();
      running = new RunningRelay(ProcessHandle.current().pid(), publicUrl.toString(),
          uri("/").toString());
      snapshots.resume();
      running.write(config.dataDir()); // last: `tether token` may now sign for this relay
    } catch (Exception e) {
      close();
      throw e;
    }
    LOG.info("relay started url={} publicUrl={} dataDir={} keyId={}",
        uri("/"), publicUrl, config.dataDir().toAbsolutePath(), keys.keyId());
    return this;
  }

  private void bind() throws IOException {
    try {
      connector.open();
    } catch (IOException e) {
      throw new IOException("cannot listen on " + config.host() + ":" + config.port() + " ("
          + e.getMessage() + "); is another relay running? pick another --port (0 picks a free"
          + " one)", e);
    }
  }

  private WebSocketUpgradeHandler handlers(TokenVerifier verifier) {
    Router router = new Router()
        .onAuthFailure((ex, path, e) -> audit.record(
            AuditEvent.of(AuditCode.AUTH_FAILED_API).at(clock.instant()).remote(ex.remoteAddress())
                .detail("at", "api").detail("path", path).detail("error", e.code())
                .detail("status", e.status()).build()))
        .onRefusal(e -> metrics.refused("api", e.code()));
    router.on("GET", "/healthz", ex -> ex.json(200, Map.of("status", "ok")));
    InspectorInfo.load().routes(router); // as Node answers them, for CDP libraries
    router.on("GET", "/.well-known/jwks.json",
        ex -> ex.rawJson(200, keys.publicJwkSetJson().getBytes(StandardCharsets.UTF_8)));
    router.on("GET", Tunnel.AGENT_PATH, ex -> {
      throw ApiError.badRequest("websocket_required",
          "this is the shims' WebSocket endpoint; connect with subprotocol " + Tunnel.SUBPROTOCOL);
    });
    router.on("GET", "/devtools/{ticket}", ex -> {
      throw ApiError.badRequest("websocket_required",
          "this is a DevTools WebSocket URL; paste it into DevTools or VS Code instead");
    });
    DebugUrls urls = new DebugUrls(publicUrl);
    new FunctionsApi(verifier, registry, sessions, reports).cluster(cluster).routes(router);
    new SessionsApi(verifier, registry, sessions, issuer, urls, config.ticketTtl(), audit,
        policy.quota(), new TicketMinting(config.ticketsPerMinute(), clock))
        .cluster(cluster, cluster == null ? null : new Forwarder(cluster))
        .routes(router);
    new AdminApi(verifier, sessions, audit, clock).cluster(cluster).routes(router);
    new ReportsApi(verifier, reports).routes(router);
    new SnapshotsApi(verifier, snapshots, registry, audit, clock).routes(router);
    new CommandHints(config, publicUrl).routes(router);

    WebSocketComponents components = new WebSocketComponents();
    server.addBean(components);
    // No permessage-deflate: CDP travels between machines that are close, and an inflater is
    // where decompression bombs go off. Offers of it are simply not accepted.
    components.getExtensionRegistry().unregister("permessage-deflate");
    WebSocketUpgradeHandler upgrades = new WebSocketUpgradeHandler(components);
    upgrades.addMapping(Tunnel.AGENT_PATH,
        new AgentNegotiator(verifier, registry, scheduler, clock, config, audit, metrics));
    DevToolsNegotiator devtools =
        new DevToolsNegotiator(new OriginPolicy(publicUrl, config.consoleOrigins()), verifier,
            sessions, registry, scheduler, config, audit, clock, policy, metrics);
    upgrades.addMapping("/devtools/*", devtools);
    if (cluster != null) {
      Cluster here = cluster;
      peerLinks = new PeerLinks(cluster.nodeId(), cluster.peerTokens(), scheduler,
          config.devtoolsKeepAlive(), server.getThreadPool());
      PeerDevTools peers =
          new PeerDevTools(cluster, peerLinks, scheduler, config.devtoolsKeepAlive());
      devtools.cluster((ticket, token, remote, heldHere) -> {
        here.redeem(ticket, heldHere, config.clockSkew());
        return heldHere ? null : peers.attach(ticket, token, remote);
      });
      upgrades.addMapping(Tunnel.PEER_PATH, new PeerNegotiator(cluster.peerTokens(), peerLinks,
          verifier, devtools, config.devtoolsKeepAlive(), cluster, registry, scheduler));
      clusterTargets = new ClusterTargets(cluster, peerLinks, cluster.config().pollInterval());
      devtools.others(clusterTargets);
    }
    // Plain requests: /metrics, then CORS for the API, the web module's files, the JSON routes.
    upgrades.setHandler(new MetricsHandler(metrics, new MetricsAccess(config.metricsToken()),
        new CorsHandler(config.consoleOrigins(), new WebFiles(publicUrl, router))));
    return upgrades;
  }

  public RelayConfig config() {
    return config;
  }

  /** The port the relay listens on (the real one when configured as 0). */
  public int port() {
    requireStarted();
    return connector.getLocalPort();
  }

  /** A local URL of the relay, e.g. {@code uri("/api/functions")}; ws:// URIs come from {@link #wsUri}. */
  public URI uri(String path) {
    requireStarted();
    String host = config.host().equals("0.0.0.0") || config.host().equals("::")
        ? "127.0.0.1" : config.host();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return URI.create("http://" + host + ":" + port() + path);
  }

  /** The same as {@link #uri} with ws://, e.g. {@code wsUri("/agent")} for a shim. */
  public URI wsUri(String path) {
    return URI.create("ws" + uri(path).toString().substring("http".length()));
  }

  /** How browsers reach the relay; the issuer of its tokens. */
  public URI publicUrl() {
    requireStarted();
    return publicUrl;
  }

  /** Signs user and agent tokens (and tickets) that this relay accepts. */
  public TokenIssuer tokenIssuer() {
    requireStarted();
    return issuer;
  }

  public SigningKeys signingKeys() {
    requireStarted();
    return keys;
  }

  public Sessions sessions() {
    requireStarted();
    return sessions;
  }

  /** The relay's counters; other parts register their gauges here (e.g. the audit queue). */
  public RelayMetrics metrics() {
    return metrics;
  }

  public AgentRegistry agents() {
    requireStarted();
    return registry;
  }

  /** This node's part in a cluster; empty for a relay that runs alone. */
  public Optional<Cluster> cluster() {
    requireStarted();
    return Optional.ofNullable(cluster);
  }

  /** This node's peer links to the other nodes of its cluster; empty for a relay alone. */
  public Optional<PeerLinks> peerLinks() {
    requireStarted();
    return Optional.ofNullable(peerLinks);
  }

  /** The audit trail: record, flush, query through its store. */
  public AuditLog audit() {
    requireStarted();
    return audit;
  }

  private void requireStarted() {
    if (server == null || issuer == null) {
      throw new IllegalStateException("the relay is not running; call start() first");
    }
  }

  /** Ends every session, closes every tunnel and stops the server; runs once. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (running != null) {
      running.remove(config.dataDir());
    }
    boolean served = server != null && server.isStarted();
    if (sessions != null) {
      sessions.endAll(EndReason.RELAY_STOPPED, "the relay is shutting down; start a new session"
          + " when it is back");
    }
    if (registry != null) {
      registry.closeAll("the relay is shutting down");
    }
    if (clusterTargets != null) {
      clusterTargets.close();
    }
    if (peerLinks != null) {
      peerLinks.close(); // the sessions are gone; their streams on other nodes end with the link
    }
    if (snapshots != null) {
      snapshots.close(); // saves the points of a relay alone
    }
    if (cluster != null) {
      cluster.close(); // after the tunnels: its entries go at once instead of after their TTL
    }
    awaitSocketsClosed(CLOSE_FRAMES_PATIENCE);
    try {
      if (server != null) {
        server.stop();
      }
    } catch (Exception e) {
      LOG.warn("relay stop failed cause={}", e.toString());
    }
    if (scheduler != null) {
      scheduler.shutdownNow();
    }
    if (audit != null) {
      audit.close(); // last: it drains what closing the rest recorded
    }
    if (served) { // a relay that never served (e.g. its port was taken) did not "stop"
      LOG.info("relay stopped");
    }
  }

  /**
   * Gives the close frames just sent (with their reasons) the time to reach DevTools and the
   * shims, and their answers to come back, before stopping the server cuts the sockets.
   */
  private void awaitSocketsClosed(Duration patience) {
    if (connector == null || !connector.isStarted()) {
      return;
    }
    long deadline = System.nanoTime() + patience.toNanos();
    // Only WebSockets: an idle HTTP keep-alive connection would never close by itself.
    while (System.nanoTime() < deadline
        && connector.getConnectedEndPoints().stream().anyMatch(endPoint -> endPoint.getConnection()
            instanceof WebSocketConnection)) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public String toString() {
    return "Relay[" + (server == null ? "not started" : uri("/")) + "]";
  }

}
