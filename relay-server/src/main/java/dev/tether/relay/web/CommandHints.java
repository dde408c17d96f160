package dev.tether.relay.web;

import dev.tether.relay.config.RelayConfig;
import dev.tether.relay.http.Router;
import dev.tether.relay.metrics.MetricsAccess;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /api/hints}: the {@code ./tether} commands the console and the admin pages print, made
 * for this relay (its data directory, its URL) so that each works when pasted as is. They name a
 * path on the relay's host, so only a relay that listens on loopback alone, without a public URL
 * in front, gives them; anyone else gets {@code {"local": false}} and is told to ask their
 * identity provider.
 */
public final class CommandHints {
  private final Map<String, Object> hints;

  public CommandHints(RelayConfig config, URI publicUrl) {
    this.hints = local(config) ? localHints(config, publicUrl) : Map.of("local", false);
  }

  public void routes(Router router) {
    // Per request too: a reverse proxy on the relay's host makes remote visitors look local, so
    // the loopback-only rule of /metrics (no proxy header, a loopback peer) applies here as well.
    MetricsAccess localCallers = new MetricsAccess(Optional.empty());
    router.on("GET", "/api/hints", exchange -> exchange.json(200,
        localCallers.check(exchange.remoteAddress(), exchange::header).isEmpty()
            ? hints : Map.of("local", false)));
  }

  /** What the endpoint answers; the same for every caller. */
  public Map<String, Object> hints() {
    return hints;
  }

  private static Map<String, Object> localHints(RelayConfig config, URI publicUrl) {
    String dataDir = shellWord(config.dataDir().toString());
    String relay = "ws" + publicUrl.toString().substring("http".length());
    int examplePort = publicUrl.getPort() + 2; // the demo's function has port + 1
    Map<String, Object> hints = new LinkedHashMap<>();
    hints.put("local", true);
    hints.put("dataDir", config.dataDir().toString());
    hints.put("userToken",
        "./tether token user --sub \"$(whoami)\" --functions '*' --data-dir " + dataDir);
    hints.put("adminToken",
        "./tether token user --sub \"$(whoami)\" --role admin --data-dir " + dataDir);
    hints.put("shim", "export TETHER_AGENT_TOKEN=\"$(./tether token agent --function hello"
        + " --data-dir " + dataDir + ")\"\n./tether shim --relay " + relay
        + " --function hello -- node examples/orders/server.js " + examplePort);
    return hints;
  }

  private static boolean local(RelayConfig config) {
    if (config.publicUrl().isPresent()) {
      return false; // a proxy or load balancer in front: visitors are not on the relay's host
    }
    try {
      return InetAddress.getByName(config.host()).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** The path as one shell word: bare when it is plain, else in single quotes. */
  static String shellWord(String text) {
    if (text.matches("[A-Za-z0-9_./:@%+=,-]+")) {
      return text;
    }
    return "'" + text.replace("'", "'\\''") + "'";
  }
}
