package dev.tether.relay.testing;

import dev.tether.protocol.DataFrame;
import dev.tether.protocol.Target;
import dev.tether.protocol.Tunnel;
import dev.tether.protocol.TunnelCodec;
import dev.tether.protocol.TunnelMessage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A scriptable shim for tests: dials the relay's tunnel, says hello, answers every open with
 * opened, and echoes each stream's data back on the same stream within the relay's credit.
 * Received control messages can be taken with {@code take(type, timeout)}.
 */
public final class FakeAgent implements AutoCloseable {
  public static final String TARGET = "target-1";

  private final BlockingQueue<TunnelMessage> received = new LinkedBlockingQueue<>();
  private final CompletableFuture<Closed> closed = new CompletableFuture<>();
  private final Map<Integer, StreamState> streams = new ConcurrentHashMap<>();
  private final Map<Integer, Long> receivedFrames = new ConcurrentHashMap<>();
  private final Object sendLock = new Object();
  private CompletableFuture<?> sendTail = CompletableFuture.completedFuture(null);
  private volatile boolean echo = true;
  private volatile boolean answerOpens = true;
  private WebSocket socket;

  private static final class StreamState {
    long credit;
    final Queue<DataFrame.Chunk> outbox = new ArrayDeque<>();
  }

  private FakeAgent() {}

  /** Connects and says hello as {@code function}/{@code instance}; does not wait for welcome. */
  public static FakeAgent connect(URI relay, String token, String function, String instance)
      throws Exception {
    FakeAgent agent = open(relay, Map.of("Authorization", "Bearer " + token), Tunnel.SUBPROTOCOL);
    agent.send(new TunnelMessage.Hello(function, instance, "node v22-fake",
        List.of(new Target(TARGET, "node", function, "file:///" + function + ".js")),
        List.of(), "test"));
    return agent;
  }

  /** Connects and says hello, then waits for the relay's welcome. */
  public static FakeAgent register(URI relay, String token, String function, String instance)
      throws Exception {
    FakeAgent agent = connect(relay, token, function, instance);
    agent.take(TunnelMessage.Welcome.class, Duration.ofSeconds(10));
    return agent;
  }

  /** Opens the socket only, with exactly these headers and subprotocol (null for none). */
  public static FakeAgent open(URI relay, Map<String, String> headers, String subprotocol)
      throws Exception {
    FakeAgent agent = new FakeAgent();
    agent.socket = Sockets.open(relay, headers, subprotocol, agent.new Listener());
    return agent;
  }

  /** Whether data is echoed back (default true). */
  public FakeAgent echo(boolean on) {
    echo = on;
    return this;
  }

  /** Whether opens are answered with opened (default true). */
  public FakeAgent answerOpens(boolean on) {
    answerOpens = on;
    return this;
  }

  public void send(TunnelMessage message) {
    sendRawText(TunnelCodec.encode(message));
  }

  public void sendRawText(String text) {
    enqueue(() -> socket.sendText(text, true));
  }

  public void sendRawBinary(ByteBuffer frame) {
    enqueue(() -> socket.sendBinary(frame, true));
  }

  /** The next control message of this type (others are skipped); fails after {@code timeout}. */
  public <T extends TunnelMessage> T take(Class<T> type, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      TunnelMessage message = left <= 0 ? null : received.poll(left, TimeUnit.NANOSECONDS);
      if (message == null) {
        throw new AssertionError("no " + type.getSimpleName() + " within " + timeout.toMillis()
            + " ms");
      }
      if (type.isInstance(message)) {
        return type.cast(message);
      }
    }
  }

  public Closed awaitClose(Duration timeout) throws Exception {
    return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  public boolean isClosed() {
    return closed.isDone();
  }

  /** Drops the connection without a close handshake, like a crashed instance. */
  @Override
  public void close() {
    socket.abort();
  }

  private void enqueue(java.util.function.Supplier<CompletableFuture<WebSocket>> send) {
    synchronized (sendLock) {
      sendTail = sendTail.handle((x, e) -> null).thenCompose(x -> send.get());
    }
  }

  private void onControl(TunnelMessage message) {
    if (message instanceof TunnelMessage.Open open && answerOpens) {
      StreamState state = new StreamState();
      state.credit = open.window();
      streams.put(open.stream(), state);
      send(new TunnelMessage.Opened(open.stream(), Tunnel.DEFAULT_WINDOW));
    } else if (message instanceof TunnelMessage.Credit credit) {
      StreamState state = streams.get(credit.stream());
      if (state != null) {
        synchronized (state) {
          state.credit += credit.bytes();
        }
        pump(credit.stream(), state);
      }
    } else if (message instanceof TunnelMessage.Close close) {
      streams.remove(close.stream());
    }
    received.add(message);
  }

  private void onData(ByteBuffer frame) throws Exception {
    DataFrame.Chunk chunk = DataFrame.decode(frame);
    int length = chunk.payload().remaining();
    long received = receivedFrames.merge(chunk.stream(), 1L, Long::sum);
    send(new TunnelMessage.Credit(chunk.stream(), length, received));
    StreamState state = streams.get(chunk.stream());
    if (!echo || state == null) {
      return;
    }
    ByteBuffer copy = ByteBuffer.allocate(length).put(chunk.payload()).flip();
    synchronized (state) {
      state.outbox.add(new DataFrame.Chunk(chunk.stream(), chunk.fin(), copy));
    }
    pump(chunk.stream(), state);
  }

  private void pump(int stream, StreamState state) {
    synchronized (state) {
      while (!state.outbox.isEmpty() && state.outbox.peek().payload().remaining() <= state.credit) {
        DataFrame.Chunk next = state.outbox.poll();
        state.credit -= next.payload().remaining();
        sendRawBinary(DataFrame.encode(stream, next.fin(), next.payload()));
      }
    }
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder text = new StringBuilder();
    private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

    @Override
    public void onOpen(WebSocket webSocket) {
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        try {
          onControl(TunnelCodec.decode(text.toString()));
        } catch (Exception e) {
          throw new IllegalStateException("the relay sent an invalid control message", e);
        } finally {
          text.setLength(0);
        }
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      byte[] bytes = new byte[data.remaining()];
      data.get(bytes);
      binary.writeBytes(bytes);
      if (last) {
        try {
          onData(ByteBuffer.wrap(binary.toByteArray()));
        } catch (Exception e) {
          throw new IllegalStateException("the relay sent an invalid data frame", e);
        } finally {
          binary.reset();
        }
      }
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
