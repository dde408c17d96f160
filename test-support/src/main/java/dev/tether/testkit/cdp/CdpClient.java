package dev.tether.testkit.cdp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.testkit.socket.Closed;
import dev.tether.testkit.socket.HandshakeRefused;
import dev.tether.testkit.socket.Sockets;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A CDP client on the JDK's WebSocket, speaking to a real inspector or to the relay the way
 * DevTools does. Every message received is recorded twice over: as raw text in arrival order
 * ({@link #take}, {@link #poll}) for tests that look at bytes, and as JSON for tests that speak
 * CDP (commands matched to replies by id, events kept in order for {@link #awaitEvent}). The close
 * code and reason are recorded; reading can be paused to make the server's writes stall.
 */
public final class CdpClient implements AutoCloseable {
  public static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);

  private final Listener listener = new Listener();
  private final AtomicLong ids = new AtomicLong();
  private final WebSocket socket;

  private CdpClient(URI uri, Map<String, String> headers)
      throws HandshakeRefused {
    socket = Sockets.open(uri, headers, null, listener);
  }

  public static CdpClient connect(URI uri) throws HandshakeRefused {
    return new CdpClient(uri, Map.of());
  }

  /** Connects with extra handshake headers (e.g. an Origin); throws when the upgrade is refused. */
  public static CdpClient connect(URI uri, Map<String, String> headers)
      throws HandshakeRefused {
    return new CdpClient(uri, headers);
  }

  public static CdpClient connect(String url) throws HandshakeRefused {
    return new CdpClient(URI.create(url), Map.of());
  }

  public static CdpClient connect(String url, Map<String, String> headers)
      throws HandshakeRefused {
    return new CdpClient(URI.create(url), headers);
  }

  // ---- CDP: commands and events ----

  /** Sends a command and waits for its result; a CDP error reply throws {@link CdpError}. */
  public JsonNode send(String method, Object... keyValues) {
    return await(sendAsync(method, params(keyValues)), DEFAULT_TIMEOUT);
  }

  public JsonNode send(String method, ObjectNode params, Duration timeout) {
    return await(sendAsync(method, params), timeout);
  }

  public CompletableFuture<JsonNode> sendAsync(String method, ObjectNode params) {
    return command(method, params, null);
  }

  /**
   * Sends a command to the flattened CDP session {@code sessionId} (a target attached through a
   * function session's Target domain) and waits for its result.
   */
  public JsonNode sendTo(String sessionId, String method, Object... keyValues) {
    return await(command(method, params(keyValues), sessionId), DEFAULT_TIMEOUT);
  }

  /** The next event with this method, skipping (but keeping) others. */
  public JsonNode awaitEvent(String method, Duration timeout) {
    return awaitEvent("no " + method + " event", timeout,
        event -> method.equals(event.path("method").asText()));
  }

  /** The next event with this method from the flattened session {@code sessionId}. */
  public JsonNode awaitEvent(String method, String sessionId, Duration timeout) {
    return awaitEvent("no " + method + " event of session " + sessionId, timeout,
        event -> method.equals(event.path("method").asText())
            && sessionId.equals(event.path("sessionId").asText()));
  }

  /** Every JSON message received so far, replies and events, in arrival order. */
  public List<JsonNode> received() {
    return List.copyOf(listener.all);
  }

  // ---- raw text ----

  /** Sends any text as one message and waits until it is written. */
  public void sendText(String text) {
    try {
      socket.sendText(text, true).get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new CompletionException(e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("could not send within 30 s (is the server reading?)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Sends one message as several frames (a text frame, then continuations), one per part. */
  public void sendFragments(String... parts) {
    for (int i = 0; i < parts.length; i++) {
      try {
        socket.sendText(parts[i], i == parts.length - 1).get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        throw new CompletionException(e.getCause());
      } catch (TimeoutException e) {
        throw new AssertionError("could not send within 30 s (is the server reading?)");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /** Sends any text as one message, for tests that speak for a misbehaving client. */
  public void sendRaw(String text) {
    sendText(text);
  }

  /** The next whole message as text, in arrival order; fails after {@code timeout}. */
  public String take(Duration timeout) throws InterruptedException {
    String message = poll(timeout);
    if (message == null) {
      throw new AssertionError("no message within " + timeout.toMillis() + " ms");
    }
    return message;
  }

  /** The next whole message if one comes within {@code timeout}, else null. */
  public String poll(Duration timeout) throws InterruptedException {
    return listener.texts.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Stops reading: the socket's buffers fill and the server's writes towards it stall. */
  public void stopReading() {
    listener.reading = false;
  }

  /** Reads again after {@link #stopReading()}. */
  public void resumeReading() {
    listener.reading = true;
    WebSocket paused = listener.pausedAt;
    if (paused != null) {
      listener.pausedAt = null;
      paused.request(1);
    }
  }

  /** How many pings the server sent so far (the JDK answers each with a pong by itself). */
  public int pings() {
    return listener.pings.get();
  }

  // ---- closing ----

  /** Waits until the peer closes the socket; fails after {@code timeout}. */
  public Closed awaitClose(Duration timeout) {
    try {
      return listener.closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("the socket was not closed within " + timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  public boolean isClosed() {
    return listener.closed.isDone();
  }

  /** Closes with a close frame of this code and reason, as a closing DevTools window does. */
  public void close(int code, String reason) throws Exception {
    socket.sendClose(code, reason).get(10, TimeUnit.SECONDS);
  }

  /** Drops the connection without a close handshake, like a crashed browser. */
  public void abort() {
    socket.abort();
  }

  /** Says goodbye with a normal close frame if it still can, then drops the connection. */
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

  private CompletableFuture<JsonNode> command(String method, ObjectNode params, String sessionId) {
    long id = ids.incrementAndGet();
    ObjectNode command = JSON.createObjectNode().put("id", id).put("method", method);
    if (sessionId != null) {
      command.put("sessionId", sessionId);
    }
    command.set("params", params);
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    listener.pending.put(id, reply);
    socket.sendText(command.toString(), true).join();
    return reply;
  }

  private JsonNode awaitEvent(String missing, Duration timeout, Predicate<JsonNode> wanted) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      for (JsonNode event : listener.events) {
        if (wanted.test(event) && listener.consumed.add(event)) {
          return event;
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError(missing + " within " + timeout);
      }
      try {
        listener.arrivals.poll(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting: " + missing, e);
      }
    }
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

  private static final class Listener implements WebSocket.Listener {
    final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
    final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    final List<JsonNode> all = new CopyOnWriteArrayList<>();
    final List<JsonNode> events = new CopyOnWriteArrayList<>();
    /** Events already returned by awaitEvent; touched by the test thread only. */
    final Set<JsonNode> consumed = Collections.newSetFromMap(new IdentityHashMap<>());
    final BlockingQueue<Boolean> arrivals = new LinkedBlockingQueue<>();
    final CompletableFuture<Closed> closed = new CompletableFuture<>();
    final AtomicInteger pings = new AtomicInteger();
    volatile boolean reading = true;
    volatile WebSocket pausedAt;
    private final StringBuilder partial = new StringBuilder();

    @Override
    public void onOpen(WebSocket webSocket) {
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        String text = partial.toString();
        partial.setLength(0);
        onMessage(text);
      }
      if (reading) {
        webSocket.request(1);
      } else {
        pausedAt = webSocket;
      }
      return null;
    }

    private void onMessage(String text) {
      texts.add(text);
      JsonNode message;
      try {
        message = JSON.readTree(text);
      } catch (JsonProcessingException notJson) {
        return; // kept as text only: a test of a misbehaving peer looks at it there
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
