package dev.tether.bench.floor;

import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.core.Configuration;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.core.server.WebSocketNegotiator;
import org.eclipse.jetty.websocket.core.server.WebSocketUpgradeHandler;

/**
 * The floor's relay-like hop (bench only): a Jetty server on loopback whose {@code /agent} takes
 * the {@link NettyHop}'s WebSocket and whose {@code /devtools} takes one client, and every frame
 * of one goes to the other as it came. No auth, no policy, no audit, no tunnel framing: what it
 * costs is what two Jetty WebSockets in one JVM cost. Prints {@code listening on port N}.
 */
public final class JettyHop {
  private JettyHop() {}

  public static void main(String[] args) throws Exception {
    QueuedThreadPool threads = new QueuedThreadPool();
    threads.setName("floor");
    Server server = new Server(threads);
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    WebSocketComponents components = new WebSocketComponents();
    server.addBean(components);
    components.getExtensionRegistry().unregister("permessage-deflate");
    WebSocketUpgradeHandler upgrades = new WebSocketUpgradeHandler(components);
    AtomicReference<JettyLeg> agent = new AtomicReference<>();
    upgrades.addMapping("/agent", negotiator((request, response, callback) -> {
      JettyLeg leg = new JettyLeg();
      agent.set(leg);
      return leg;
    }));
    upgrades.addMapping("/devtools", negotiator((request, response, callback) -> {
      JettyLeg far = agent.get();
      if (far == null) {
        response.setStatus(503);
        callback.succeeded();
        return null;
      }
      JettyLeg leg = new JettyLeg();
      leg.pair(far);
      return leg;
    }));
    server.setHandler(upgrades);
    server.start();
    System.out.println("listening on port " + connector.getLocalPort());
    System.out.flush();
    server.join();
  }

  private static WebSocketNegotiator negotiator(WebSocketNegotiator negotiate) {
    return new WebSocketNegotiator() {
      @Override
      public FrameHandler negotiate(ServerUpgradeRequest request, ServerUpgradeResponse response,
          Callback callback) {
        return negotiate.negotiate(request, response, callback);
      }

      @Override
      public void customize(Configuration configuration) {
        // As the relay's DevTools side: whole CDP messages, never cut up by Jetty.
        configuration.setAutoFragment(false);
        configuration.setMaxFrameSize(256L * 1024 * 1024);
        configuration.setMaxTextMessageSize(256L * 1024 * 1024);
        configuration.setMaxBinaryMessageSize(256L * 1024 * 1024);
      }
    };
  }
}
