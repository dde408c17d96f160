package dev.tether.relay.testing;

import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for DevTools: sends text messages on a JDK WebSocket and collects whole messages
 * and the close code, with {@code take(timeout)}-style waits.
 */
public final class DevToolsClient implements AutoCloseable {
  private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
  private final CompletableFuture<Closed> closed = new CompletableFuture<>();
  private final java.util.concurrent.atomic.AtomicInteger pings =
      new java.util.concurrent.atomic.AtomicInteger();
  private final WebSocket socket;
  private volatile boolean reading = true;
  private volatile WebSocket pausedAt;

  private DevToolsClient(URI uri, Map<String, String> headers) throws Exception {
    socket = Sockets.open(uri, headers, null, new Listener());
  }

  public static DevToolsClient connect(String url) throws Exception {
    return new DevToolsClient(URI.create(url), Map.of());
  }

  public static DevToolsClient connect(String url, Map<String, String> headers) throws Exception {
    return new DevToolsClient(URI.create(url), headers);
  }

  /** Stops reading: the socket's buffers fill and the relay's writes towards it stall. */
  public void stopReading() {
    reading = false;
  }

  /** Reads again after {@link #stopReading()}. */
  public void resumeReading() {
    reading = true;
    WebSocket paused = pausedAt;
    if (paused != null) {
      pausedAt = null;
      paused.request(1);
    }
  }

  public void send(String message) throws Exception {
    socket.sendText(message, true).get(30, TimeUnit.SECONDS);
  }

  /** Sends one message as several frames (a text frame, then continuations), one per part. */
  public void sendFragments(String... parts) throws Exception {
    for (int i = 0; i < parts.length; i++) {
      socket.sendText(parts[i], i == parts.length - 1).get(30, TimeUnit.SECONDS);
    }
  }

  /** The next whole message; fails after {@code timeout}. */
  public String take(Duration timeout) throws InterruptedException {
    String message = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (message == null) {
      throw new AssertionError("no message within " + timeout.toMillis() + " ms");
    }
    return message;
  }

  /** The next message if one comes within {@code timeout}, else null. */
  public String poll(Duration timeout) throws InterruptedException {
    return messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  public Closed awaitClose(Duration timeout) throws Exception {
    return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** How many pings the relay sent so far (the JDK answers each with a pong by itself). */
  public int pings() {
    return pings.get();
  }

  /** Closes with a close frame of this code and reason, as a closing DevTools window does. */
  public void close(int code, String reason) throws Exception {
    socket.sendClose(code, reason).get(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    socket.abort();
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder text = new StringBuilder();

    @Override
    public void onOpen(WebSocket webSocket) {
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        messages.add(text.toString());
        text.setLength(0);
      }
      if (reading) {
        webSocket.request(1);
      } else {
        pausedAt = webSocket;
      }
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
      pings.incrementAndGet();
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closed.complete(new Closed(statusCode, reason));
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closed.complete(new Closed(1006, String.valueOf(error)));
    }
  }
}
