package dev.tether.relay.connect;

import dev.tether.relay.http.ApiError;
import dev.tether.relay.http.Exchange;
import dev.tether.relay.http.JsonErrorHandler;
import dev.tether.relay.http.Router;
import dev.tether.relay.inspector.InspectorInfo;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.server.WebSocketUpgradeHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tether connect}'s local endpoint on 127.0.0.1, answering as {@code node --inspect} does:
 * {@code /json/version}, {@code /json/protocol}, {@code /json} and {@code /json/list} (one target
 * per live instance of the function), and a WebSocket per target whose every connection is its
 * own Tether session. {@code try (LocalEndpoint e = LocalEndpoint.start(config)) {...}}.
 */
public final class LocalEndpoint implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalEndpoint.class);

  private final ConnectConfig config;
  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(10)).build();
  private final RelayClient relayApi;
  private final LocalTargets targets;
  private final Bridges bridges = new Bridges();
  private final AtomicBoolean closed = new AtomicBoolean();
  private Server server;
  private ServerConnector connector;

  private LocalEndpoint(ConnectConfig config) {
    this.config = config;
    this.relayApi = new RelayClient(config, http);
    this.targets = new LocalTargets(config.function());
  }

  /** Binds 127.0.0.1:{@code config.port()} and starts answering. */
  public static LocalEndpoint start(ConnectConfig config) throws Exception {
    return new LocalEndpoint(config).start();
  }

  private LocalEndpoint start() throws Exception {
    QueuedThreadPool threads = new QueuedThreadPool();
    threads.setName("connect");
    server = new Server(threads);
    server.setErrorHandler(new JsonErrorHandler());
    HttpConfiguration httpConfig = new HttpConfiguration();
    httpConfig.setSendServerVersion(false);
    connector = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
    connector.setHost(ConnectConfig.HOST);
    connector.setPort(config.port());
    server.addConnector(connector);

    Router router = new Router();
    InspectorInfo.load().routes(router);
    router.on("GET", "/json", this::list);
    router.on("GET", "/json/list", this::list);
    WebSocketComponents components = new WebSocketComponents();
    server.addBean(components);
    components.getExtensionRegistry().unregister("permessage-deflate");
    WebSocketUpgradeHandler upgrades = new WebSocketUpgradeHandler(components);
    upgrades.addMapping("/*", new TargetNegotiator(config, relayApi, http, targets, bridges));
    upgrades.setHandler(router);
    server.setHandler(new HostGuard(upgrades));
    try {
      connector.open();
    } catch (IOException e) {
      close();
      throw new IOException("cannot listen on " + ConnectConfig.HOST + ":" + config.port() + " ("
          + e.getMessage() + "); is a node --inspect or another tether connect using it? pick"
          + " another --port (0 picks a free one)", e);
    }
    try {
      server.start();
    } catch (Exception e) {
      close();
      throw e;
    }
    LOG.info("connect listening port={} relay={} function={}", port(), config.relay(),
        config.function());
    return this;
  }

  /** What the relay reports as live now, as targets; a refusal carries the relay's reason. */
  public List<String> liveInstances() throws RelayRefusal {
    return targets.update(relayApi.instances()).stream().map(LocalTargets.Target::instance).toList();
  }

  private void list(Exchange exchange) {
    List<LocalTargets.Target> live;
    try {
      live = targets.update(relayApi.instances());
    } catch (RelayRefusal e) {
      throw new ApiError(e.status(), e.code(), e.getMessage());
    }
    // Checked by HostGuard: localhost or an IP literal. Like Node, the URLs use it, so a client
    // that asked for localhost gets localhost URLs; without a port, the one it reached.
    String host = exchange.header("Host").strip();
    boolean hasPort = host.startsWith("[") ? host.contains("]:") : host.contains(":");
    exchange.json(200, targets.describe(live, hasPort ? host : host + ":" + port()));
  }

  public ConnectConfig config() {
    return config;
  }

  /** The port it listens on (the real one when configured as 0). */
  public int port() {
    if (connector == null) {
      throw new IllegalStateException("the endpoint is not running; call start() first");
    }
    return connector.getLocalPort();
  }

  /** A local URL, e.g. {@code uri("/json/list")}. */
  public URI uri(String path) {
    return URI.create("http://" + ConnectConfig.HOST + ":" + port() + path);
  }

  /** Debugger connections bridged now. */
  public int connections() {
    return bridges.size();
  }

  /** Ends every bridged session (each side gets a reason) and stops listening; runs once. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    bridges.shutdown("tether connect stopped");
    try {
      if (server != null) {
        server.stop();
      }
    } catch (Exception e) {
      LOG.warn("connect stop failed cause={}", e.toString());
    }
    LOG.info("connect stopped");
  }
}
