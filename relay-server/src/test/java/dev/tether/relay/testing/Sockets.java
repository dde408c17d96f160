package dev.tether.relay.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Opens JDK WebSockets for the fixtures, turning a refused upgrade into {@link HandshakeRefused}. */
public final class Sockets {
  public static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Sockets() {}

  static WebSocket open(
      URI uri, Map<String, String> headers, String subprotocol, WebSocket.Listener listener)
      throws Exception {
    WebSocket.Builder builder = CLIENT.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
    headers.forEach(builder::header);
    if (subprotocol != null) {
      builder.subprotocols(subprotocol);
    }
    CompletableFuture<WebSocket> future = builder.buildAsync(uri, listener);
    try {
      return future.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof WebSocketHandshakeException refused) {
        Object body = refused.getResponse().body();
        throw new HandshakeRefused(refused.getResponse().statusCode(),
            body == null ? "" : body.toString());
      }
      throw e;
    }
  }
}
