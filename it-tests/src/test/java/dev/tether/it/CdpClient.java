package dev.tether.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small CDP client on the JDK's WebSocket, speaking to a real inspector or to the relay the way
 * DevTools does: commands matched to replies by id, events kept in order, the close code and
 * reason recorded.
 */
public final class CdpClient implements AutoCloseable {
  public static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);

  private final WebSocket socket;
  private final Listener listener;
  private final AtomicLong ids = new AtomicLong();

  private CdpClient(WebSocket socket, Listener listener) {
    this.socket = socket;
    this.listener = listener;
  }

  public static CdpClient connect(URI uri) throws HandshakeRefused {
    return connect(uri, Map.of());
  }

  /** Connects with extra handshake headers (e.g. an Origin); throws when the upgrade is refused. */
  public static CdpClient connect(URI uri, Map<String, String> headers) throws HandshakeRefused {
    Listener listener = new Listener();
    WebSocket.Builder builder =
        HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
    headers.forEach(builder::header);
    try {
      WebSocket socket = builder.buildAsync(uri, listener).get(20, TimeUnit.SECONDS);
      return new CdpClient(socket, listener);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof WebSocketHandshakeException refused) {
        throw new HandshakeRefused(
            refused.getResponse().statusCode(), String.valueOf(refused.getResponse().body()));
      }
      throw new IllegalStateException("cannot connect to " + redact(uri), e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException("cannot connect to " + redact(uri), e);
    }
  }

  /** Sends a command and waits for its result; a CDP error reply throws {@link CdpError}. */
  public JsonNode send(String method, Object... keyValues) {
    return await(sendAsync(method, params(keyValues)), DEFAULT_TIMEOUT);
  }

  public JsonNode send(String method, ObjectNode params, Duration timeout) {
    return await(sendAsync(method, params), timeout);
  }

  public CompletableFuture<JsonNode> sendAsync(String method, ObjectNode params) {
    long id = ids.incrementAndGet();
    ObjectNode command = JSON.createObjectNode().put("id", id).put("method", method);
    command.set("params", params);
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    listener.pending.put(id, reply);
    sendRaw(command.toString());
    return reply;
  }

  /**
   * Sends a command to the flattened CDP session {@code sessionId} (a target attached through a
   * function session's Target domain) and waits for its result.
   */
  public JsonNode sendTo(String sessionId, String method, Object... keyValues) {
    long id = ids.incrementAndGet();
    ObjectNode command = JSON.createObjectNode().put("id", id).put("method", method)
        .put("sessionId", sessionId);
    command.set("params", params(keyValues));
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    listener.pending.put(id, reply);
    sendRaw(command.toString());
    return await(reply, DEFAULT_TIMEOUT);
  }

  /** The next event with this method from the flattened session {@code sessionId}. */
  public JsonNode awaitEvent(String method, String sessionId, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      for (JsonNode event : listener.events) {
        if (method.equals(event.path("method").asText())
            && sessionId.equals(event.path("sessionId").asText())
            && listener.consumed.add(event)) {
          return event;
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("no " + method + " event of session " + sessionId + " within "
            + timeout);
      }
      try {
        listener.arrivals.poll(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + method, e);
      }
    }
  }

  /** Sends any text as one message, for tests that speak for a misbehaving client. */
  public void sendRaw(String text) {
    socket.sendText(text, true).join();
  }

  /** The next event with this method, skipping (but keeping) others. */
  public JsonNode awaitEvent(String method, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      for (JsonNode event : listener.events) {
        if (method.equals(event.path("method").asText()) && listener.consumed.add(event)) {
          return event;
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("no " + method + " event within " + timeout);
      }
      try {
        listener.arrivals.poll(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + method, e);
      }
    }
  }

  /** Every message received so far, replies and events, in arrival order. */
  public List<JsonNode> received() {
    return List.copyOf(listener.all);
  }

  /** Waits until the peer closes the socket. */
  public Closed awaitClose(Duration timeout) {
    try {
      return listener.closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("the socket was not closed within " + timeout);
    } catch (InterruptedException | ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  public boolean isClosed() {
    return listener.closed.isDone();
  }

  @Override
  public void close() {
    if (!socket.isOutputClosed()) {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").exceptionally(e -> null);
    }
    socket.abort();
  }

  public static ObjectNode params(Object... keyValues) {
    ObjectNode params = JSON.createObjectNode();
    for (int i = 0; i < keyValues.length; i += 2) {
      params.set((String) keyValues[i], JSON.valueToTree(keyValues[i + 1]));
    }
    return params;
  }

  private static JsonNode await(CompletableFuture<JsonNode> reply, Duration timeout) {
    try {
      return reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof CdpError error) {
        throw error;
      }
      throw new CompletionException(e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("no reply within " + timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String redact(URI uri) {
    String path = uri.getPath() == null ? "" : uri.getPath();
    return uri.getScheme() + "://" + uri.getAuthority() + path.replaceAll("/devtools/.*", "/devtools/…");
  }

  /** How the peer closed the socket. */
  public record Closed(int code, String reason) {}

  /** The relay or inspector refused the WebSocket upgrade with an HTTP status. */
  public static final class HandshakeRefused extends Exception {
    public final int status;
    public final String body;

    HandshakeRefused(int status, String body) {
      super("upgrade refused with HTTP " + status + ": " + body);
      this.status = status;
      this.body = body;
    }
  }

  /** A CDP error reply. */
  public static final class CdpError extends RuntimeException {
    public final JsonNode error;

    CdpError(JsonNode error) {
      super(error.toString());
      this.error = error;
    }
  }

  private static final class Listener implements WebSocket.Listener {
    final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    final List<JsonNode> all = new CopyOnWriteArrayList<>();
    final List<JsonNode> events = new CopyOnWriteArrayList<>();
    /** Events already returned by awaitEvent; touched by the test thread only. */
    final Set<JsonNode> consumed = Collections.newSetFromMap(new IdentityHashMap<>());
    final LinkedBlockingQueue<Boolean> arrivals = new LinkedBlockingQueue<>();
    final CompletableFuture<Closed> closed = new CompletableFuture<>();
    private StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        String text = partial.toString();
        partial = new StringBuilder();
        onMessage(text);
      }
      webSocket.request(1);
      return null;
    }

    private void onMessage(String text) {
      JsonNode message;
      try {
        message = JSON.readTree(text);
      } catch (Exception e) {
        throw new IllegalStateException("the peer sent a message that is not JSON", e);
      }
      all.add(message);
      if (message.has("id")) {
        CompletableFuture<JsonNode> reply = pending.remove(message.get("id").asLong());
        if (reply != null) {
          if (message.has("error")) {
            reply.completeExceptionally(new CdpError(message.get("error")));
          } else {
            reply.complete(message.get("result"));
          }
        }
      } else {
        events.add(message);
        arrivals.offer(Boolean.TRUE);
      }
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      Closed how = new Closed(statusCode, reason);
      closed.complete(how);
      pending.values().forEach(p -> p.completeExceptionally(new IllegalStateException("closed: " + how)));
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closed.complete(new Closed(1006, String.valueOf(error)));
      pending.values().forEach(p -> p.completeExceptionally(error));
    }
  }
}
