package dev.tether.testkit.socket;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Opens JDK WebSockets for the fixtures, turning a refused upgrade into {@link HandshakeRefused}. */
public final class Sockets {
  /** One HTTP client for every fixture and test (it owns a selector thread). */
  public static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Sockets() {}

  /** Opens a WebSocket with these handshake headers and subprotocol (null for none). */
  public static WebSocket open(
      URI uri, Map<String, String> headers, String subprotocol, WebSocket.Listener listener)
      throws HandshakeRefused {
    WebSocket.Builder builder = CLIENT.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
    headers.forEach(builder::header);
    if (subprotocol != null) {
      builder.subprotocols(subprotocol);
    }
    CompletableFuture<WebSocket> future = builder.buildAsync(uri, listener);
    try {
      return future.get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof WebSocketHandshakeException refused) {
        Object body = refused.getResponse().body();
        throw new HandshakeRefused(refused.getResponse().statusCode(),
            body == null ? "" : body.toString());
      }
      throw new IllegalStateException("cannot connect to " + redact(uri), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("cannot connect to " + redact(uri) + " within 20 s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while connecting to " + redact(uri), e);
    }
  }

  /** The URI without a ticket in its path, for messages (tickets never go into a log). */
  public static String redact(URI uri) {
    String path = uri.getPath() == null ? "" : uri.getPath();
    return uri.getScheme() + "://" + uri.getAuthority()
        + path.replaceAll("/devtools/.*", "/devtools/…");
  }
}
