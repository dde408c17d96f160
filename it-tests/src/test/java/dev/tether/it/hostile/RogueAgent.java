package dev.tether.it.hostile;

import dev.tether.protocol.Target;
import dev.tether.protocol.Tunnel;
import dev.tether.protocol.TunnelCodec;
import dev.tether.protocol.TunnelMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A shim gone bad: authenticated with a real agent token, then sending whatever the test says. */
final class RogueAgent implements AutoCloseable {
  private final WebSocket socket;
  private final LinkedBlockingQueue<String> texts = new LinkedBlockingQueue<>();
  private final CompletableFuture<RawWebSocket.Closed> closed = new CompletableFuture<>();

  private RogueAgent(URI relay, String token) throws Exception {
    socket = HttpClient.newHttpClient().newWebSocketBuilder()
        .header("Authorization", "Bearer " + token)
        .subprotocols(Tunnel.SUBPROTOCOL)
        .buildAsync(relay, new Listener())
        .get(10, TimeUnit.SECONDS);
  }

  static RogueAgent connect(URI relay, String token) throws Exception {
    return new RogueAgent(relay, token);
  }

  /** Says hello as {@code function}/{@code instance} and waits for the welcome. */
  RogueAgent hello(String function, String instance) throws Exception {
    sendText(TunnelCodec.encode(new TunnelMessage.Hello(function, instance, "node rogue",
        List.of(new Target("t-1", "node", function, "file:///x.js")), List.of(), "rogue")));
    return this;
  }

  /** Says exactly {@code hello} (e.g. a resuming one for someone else's instance). */
  RogueAgent hello(TunnelMessage.Hello hello) throws Exception {
    sendText(TunnelCodec.encode(hello));
    return this;
  }

  boolean awaitWelcome(Duration timeout) throws InterruptedException {
    String text = texts.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    return text != null && text.contains("welcome");
  }

  void sendText(String text) throws Exception {
    socket.sendText(text, true).get(10, TimeUnit.SECONDS);
  }

  void sendBinary(byte[] bytes) throws Exception {
    socket.sendBinary(ByteBuffer.wrap(bytes), true).get(10, TimeUnit.SECONDS);
  }

  RawWebSocket.Closed awaitClose(Duration timeout) throws Exception {
    return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    socket.abort();
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder text = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        texts.add(text.toString());
        text.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closed.complete(new RawWebSocket.Closed(statusCode, reason));
      texts.add(""); // so awaitWelcome answers false at once
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closed.complete(new RawWebSocket.Closed(1006, String.valueOf(error)));
      texts.add("");
    }
  }
}
