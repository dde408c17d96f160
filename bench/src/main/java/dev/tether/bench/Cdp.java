package dev.tether.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A lean CDP client for measuring: commands matched to replies by the {@code "id"} Node's
 * inspector writes first, replies and events kept only as their head and length (a 64 MB result
 * is counted, not parsed), sends queued so any thread may send. The same client talks to the
 * inspector directly and to the relay, so both sides pay the same client costs.
 */
final class Cdp implements AutoCloseable {
  private static final int KEEP_WHOLE = 64 * 1024;

  /** One message as received: whole text when small, else only its beginning; its length. */
  record Message(String head, String text, long length, long receivedNanos) {
    String method() {
      return Cdp.stringField(head, "method");
    }
  }

  private final WebSocket socket;
  private final Listener listener;
  private final AtomicLong ids = new AtomicLong();
  private CompletableFuture<WebSocket> sending;

  private Cdp(WebSocket socket, Listener listener) {
    this.socket = socket;
    this.listener = listener;
    this.sending = CompletableFuture.completedFuture(socket);
  }

  /** Connects; a paused client never reads, to play a DevTools that stopped consuming. */
  static Cdp connect(HttpClient http, URI uri, boolean paused) {
    Listener listener = new Listener(paused);
    WebSocket socket = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(20))
        .buildAsync(uri, listener).orTimeout(30, TimeUnit.SECONDS).join();
    return new Cdp(socket, listener);
  }

  static Cdp connect(HttpClient http, URI uri) {
    return connect(http, uri, false);
  }

  /** Every event, on the socket's thread. */
  Cdp onEvent(Consumer<Message> events) {
    listener.events = events;
    return this;
  }

  /** Sends a command; the future completes with its reply. */
  CompletableFuture<Message> call(String method, String paramsJson) {
    long id = ids.incrementAndGet();
    CompletableFuture<Message> reply = new CompletableFuture<>();
    listener.pending.put(id, reply);
    String text = "{\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":"
        + (paramsJson == null ? "{}" : paramsJson) + "}";
    synchronized (this) {
      sending = sending.thenCompose(ws -> ws.sendText(text, true));
    }
    return reply;
  }

  Message send(String method, String paramsJson) {
    return call(method, paramsJson).orTimeout(300, TimeUnit.SECONDS).join();
  }

  /** The nanoseconds from sending to the reply's last byte. */
  long roundTrip(String method, String paramsJson) {
    long start = System.nanoTime();
    Message reply = send(method, paramsJson);
    return reply.receivedNanos() - start;
  }

  @Override
  public void close() {
    socket.abort();
  }

  static String stringField(String json, String field) {
    String key = "\"" + field + "\":\"";
    int at = json.indexOf(key);
    if (at < 0) {
      return null;
    }
    int start = at + key.length();
    int end = json.indexOf('"', start);
    return end < 0 ? null : json.substring(start, end);
  }

  private static final class Listener implements WebSocket.Listener {
    final Map<Long, CompletableFuture<Message>> pending = new ConcurrentHashMap<>();
    final boolean paused;
    volatile Consumer<Message> events = m -> {};
    private StringBuilder whole = new StringBuilder();
    private String head;
    private long length;

    Listener(boolean paused) {
      this.paused = paused;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      if (!paused) {
        webSocket.request(1);
      }
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      length += data.length();
      if (whole != null) {
        whole.append(data);
        if (whole.length() > KEEP_WHOLE) {
          head = whole.substring(0, 512);
          whole = null;
        }
      }
      if (last) {
        long now = System.nanoTime();
        String text = whole == null ? null : whole.toString();
        Message message = new Message(text == null ? head : text, text, length, now);
        whole = new StringBuilder();
        head = null;
        length = 0;
        dispatch(message);
      }
      webSocket.request(1);
      return null;
    }

    private void dispatch(Message message) {
      String h = message.head();
      if (h.startsWith("{\"id\":")) {
        int end = 6;
        while (end < h.length() && Character.isDigit(h.charAt(end))) {
          end++;
        }
        CompletableFuture<Message> reply = pending.remove(Long.parseLong(h.substring(6, end)));
        if (reply != null) {
          if (h.startsWith(",\"error\"", end)) {
            reply.completeExceptionally(new IllegalStateException("CDP error: " + h));
          } else {
            reply.complete(message);
          }
        }
      } else {
        events.accept(message);
      }
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      fail(new IllegalStateException("closed " + statusCode + " " + reason));
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      fail(error);
    }

    private void fail(Throwable cause) {
      pending.values().forEach(p -> p.completeExceptionally(cause));
    }
  }
}
