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
 * Received control messages can be taken with {@code take(type, timeout)}. It keeps the resume
 * secret of its welcome, as a real shim does, so a test can resume (or try to) with it.
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
  private volatile String resumeSecret;

  private final BlockingQueue<String> data = new LinkedBlockingQueue<>();
  private final Map<Integer, ByteArrayOutputStream> partialData = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong pushed = new java.util.concurrent.atomic.AtomicLong();

  private static final class StreamState {
    long credit;
    final Queue<DataFrame.Chunk> outbox = new ArrayDeque<>();
    int floodBytes;
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

  /** Connects and says exactly {@code hello}; does not wait for welcome. */
  public static FakeAgent connect(URI relay, String token, TunnelMessage.Hello hello)
      throws Exception {
    FakeAgent agent = open(relay, Map.of("Authorization", "Bearer " + token), Tunnel.SUBPROTOCOL);
    agent.send(hello);
    return agent;
  }

  /**
   * Connects and says a resuming hello for {@code instance} with {@code secret} (null for none)
   * and no streams; does not wait for welcome.
   */
  public static FakeAgent resume(
      URI relay, String token, String function, String instance, String secret)
      throws Exception {
    return connect(relay, token, new TunnelMessage.Hello(function, instance, "node v22-fake",
        List.of(new Target(TARGET, "node", function, "file:///" + function + ".js")), List.of(),
        "test", true, List.of(), secret));
  }

  /** The resume secret of the welcome this agent got; fails before the welcome. */
  public String resumeSecret() {
    String secret = resumeSecret;
    if (secret == null) {
      throw new IllegalStateException("no welcome yet; use register() or take(Welcome) first");
    }
    return secret;
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

  /**
   * Sends one CDP message from the target on {@code stream}, in chunks within the relay's credit
   * (queued until credit comes).
   */
  public void push(int stream, String message) {
    StreamState state = streams.get(stream);
    if (state == null) {
      throw new IllegalStateException("stream " + stream + " is not open");
    }
    byte[] bytes = message.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    synchronized (state) {
      queue(state, stream, bytes);
    }
    pump(stream, state);
  }

  /**
   * Makes the target stream {@code messageBytes}-sized events on {@code stream} for as long as the
   * relay grants credit, like a heap snapshot that never ends.
   */
  public void flood(int stream, int messageBytes) {
    StreamState state = streams.get(stream);
    synchronized (state) {
      state.floodBytes = messageBytes;
    }
    pump(stream, state);
  }

  /** Payload bytes sent towards the relay on all streams so far. */
  public long pushedBytes() {
    return pushed.get();
  }

  /** The next whole CDP message the relay sent on any stream (recorded when echo is off). */
  public String takeData(Duration timeout) throws InterruptedException {
    String message = data.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (message == null) {
      throw new AssertionError("no data within " + timeout.toMillis() + " ms");
    }
    return message;
  }

  /** The next whole message if one comes within {@code timeout}, else null. */
  public String pollData(Duration timeout) throws InterruptedException {
    return data.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static void queue(StreamState state, int stream, byte[] bytes) {
    int offset = 0;
    do {
      int size = Math.min(DataFrame.MAX_CHUNK, bytes.length - offset);
      boolean fin = offset + size == bytes.length;
      state.outbox.add(new DataFrame.Chunk(stream, fin, ByteBuffer.wrap(bytes, offset, size).slice()));
      offset += size;
    } while (offset < bytes.length);
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

  /**
   * The control messages of this type received and not yet taken, without waiting: after a later
   * message has arrived, everything the relay sent before it is here.
   */
  public <T extends TunnelMessage> List<T> queued(Class<T> type) {
    return received.stream().filter(type::isInstance).map(type::cast).toList();
  }

  public Closed awaitClose(Duration timeout) throws Exception {
    return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  public boolean isClosed() {
    return closed.isDone();
  }

  /** Closes the tunnel as a shim whose function exited does: 1000 with {@code reason}. */
  public void leave(String reason) {
    enqueue(() -> socket.sendClose(WebSocket.NORMAL_CLOSURE, reason));
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
    if (message instanceof TunnelMessage.Welcome welcome) {
      resumeSecret = welcome.resumeSecret();
    }
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
    if (!echo) {
      ByteArrayOutputStream partial =
          partialData.computeIfAbsent(chunk.stream(), s -> new ByteArrayOutputStream());
      byte[] bytes = new byte[length];
      chunk.payload().duplicate().get(bytes);
      partial.writeBytes(bytes);
      if (chunk.fin()) {
        data.add(partial.toString(java.nio.charset.StandardCharsets.UTF_8));
        partialData.remove(chunk.stream());
      }
      return;
    }
    if (state == null) {
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
      while (true) {
        if (state.outbox.isEmpty() && state.floodBytes > 0 && streams.get(stream) == state) {
          queue(state, stream, floodMessage(state.floodBytes));
        }
        if (state.outbox.isEmpty() || state.outbox.peek().payload().remaining() > state.credit) {
          return;
        }
        DataFrame.Chunk next = state.outbox.poll();
        state.credit -= next.payload().remaining();
        pushed.addAndGet(next.payload().remaining());
        sendRawBinary(DataFrame.encode(stream, next.fin(), next.payload()));
      }
    }
  }

  private static byte[] floodMessage(int size) {
    String head = "{\"method\":\"HeapProfiler.addHeapSnapshotChunk\",\"params\":{\"chunk\":\"";
    String tail = "\"}}";
    return (head + "x".repeat(Math.max(0, size - head.length() - tail.length())) + tail)
        .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
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
