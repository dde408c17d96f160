package dev.tether.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * Another company's cloud console on its own origin (a loopback port of its own): one page that
 * loads {@code /embed/tether.js} from the relay and shows {@code <tether-debug-button>}, getting
 * the user's Tether token from its own backend ({@code /token}) as a real console would.
 */
final class HostConsole implements AutoCloseable {
  private final HttpServer server;
  private volatile URI relay;
  private volatile String token;

  private HostConsole(HttpServer server) {
    this.server = server;
  }

  /** Starts on a free loopback port; {@link #serve} tells it the relay and the token later. */
  static HostConsole start() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    HostConsole console = new HostConsole(server);
    server.createContext("/", console::handle);
    server.start();
    return console;
  }

  HostConsole serve(URI relay, String token) {
    this.relay = relay;
    this.token = token;
    return this;
  }

  /** {@code http://127.0.0.1:PORT}, as a browser sends it in the Origin header. */
  String origin() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  String url(String path) {
    return origin() + path;
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    switch (path) {
      case "/" -> send(exchange, 200, "text/html; charset=utf-8", page());
      case "/host.js" -> send(exchange, 200, "text/javascript; charset=utf-8", SCRIPT);
      case "/token" -> send(exchange, 200, "text/plain; charset=utf-8", token);
      default -> send(exchange, 404, "text/plain; charset=utf-8", "not found");
    }
  }

  private String page() {
    String relayOrigin = relay.toString().replaceAll("/+$", "");
    return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <title>Acme Cloud · Functions</title>
          <link rel="icon" href="data:,">
          <style>
            body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1f2937; }
            header { background: #7c2d12; color: #fff; padding: 12px 24px; font-weight: 600; }
            main { padding: 24px; max-width: 960px; }
            .fn { display: flex; gap: 16px; align-items: center; border: 1px solid #d1d5db;
                  border-radius: 8px; padding: 12px 16px; }
            .fn strong { font-family: monospace; font-size: 18px; }
            .fn .meta { color: #6b7280; flex: 1; }
            #status { color: #065f46; min-height: 1.5em; }
          </style>
          <script src="%s/embed/tether.js"></script>
          <script src="/host.js" defer></script>
        </head>
        <body>
          <header>Acme Cloud — Functions</header>
          <main>
            <h1>Your functions</h1>
            <div class="fn">
              <strong>orders</strong>
              <span class="meta">Node.js · us-east · 1 instance</span>
              <tether-debug-button id="debug" function="orders">Debug with Tether</tether-debug-button>
            </div>
            <p id="status" role="status"></p>
          </main>
        </body>
        </html>
        """.formatted(relayOrigin);
  }

  private static final String SCRIPT = """
      const button = document.getElementById('debug');
      button.getToken = async () => (await fetch('/token')).text();
      const status = document.getElementById('status');
      document.addEventListener('tether-session', (e) => {
        status.textContent = `DevTools opened for session ${e.detail.sessionId}.`;
      });
      document.addEventListener('tether-error', (e) => {
        status.textContent = '';
      });
      """;

  private static void send(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
