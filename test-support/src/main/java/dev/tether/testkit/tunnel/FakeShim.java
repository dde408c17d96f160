package dev.tether.testkit.tunnel;

import dev.tether.protocol.DataFrame;
import dev.tether.protocol.ProtocolException;
import dev.tether.protocol.Target;
import dev.tether.protocol.Tunnel;
import dev.tether.protocol.TunnelCodec;
import dev.tether.protocol.TunnelMessage;
import dev.tether.testkit.socket.Closed;
import dev.tether.testkit.socket.HandshakeRefused;
import dev.tether.testkit.socket.Sockets;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A scriptable shim for tests: dials a relay's tunnel ({@code tether.v2}), says hello, answers
 * every open with opened, grants credit for what it receives and echoes each stream's data back
 * on the same stream within the relay's credit. Received control messages are recorded for
 * {@code take(type, timeout)}. It keeps the resume secret of its welcome, as a real shim does, so
 * a test can resume (or try to) with it. {@link #rogue} makes one that does none of this unasked,
 * for tests of an authenticated agent gone bad.
 */
public final class FakeShim implements AutoCloseable {
  public static final String TARGET = "target-1";

  private final BlockingQueue<TunnelMessage> received = new LinkedBlockingQueue<>();
  private final CompletableFuture<Closed> closed = new CompletableFuture<>();
  private final CompletableFuture<TunnelMessage.Welcome> welcomed = new CompletableFuture<>();
  private final Map<Integer, StreamState> streams = new ConcurrentHashMap<>();
  private final Map<Integer, Long> receivedFrames = new ConcurrentHashMap<>();
  private final BlockingQueue<String> data = new LinkedBlockingQueue<>();
  private final Chunks chunks = new Chunks();
  private final AtomicLong pushed = new AtomicLong();
  private final Object sendLock = new Object();
  private CompletableFuture<?> sendTail = CompletableFuture.completedFuture(null);
  private volatile boolean echo = true;
  private volatile boolean answerOpens = true;
  private volatile boolean grantCredit = true;
  private WebSocket socket;

  /** What the shim may still send on one stream, and what waits for credit. */
  private static final class StreamState {
    long credit;
    final Queue<DataFrame.Chunk> outbox = new ArrayDeque<>();
    int floodBytes;
  }

  private FakeShim() {}

  /** Connects and says hello as {@code function}/{@code instance}; does not wait for welcome. */
  public static FakeShim connect(URI relay, String token, String function, String instance)
      throws HandshakeRefused {
    return connect(relay, token, hello(function, instance, false, null));
  }

  /** Connects and says exactly {@code hello}; does not wait for welcome. */
  public static FakeShim connect(URI relay, String token, TunnelMessage.Hello hello)
      throws HandshakeRefused {
    FakeShim shim = open(relay, bearer(token), Tunnel.SUBPROTOCOL);
    shim.send(hello);
    return shim;
  }

  /**
   * Connects and says a resuming hello for {@code instance} with {@code secret} (null for none)
   * and no streams; does not wait for welcome.
   */
  public static FakeShim resume(
      URI relay, String token, String function, String instance, String secret)
      throws HandshakeRefused {
    return connect(relay, token, hello(function, instance, true, secret));
  }

  /** Connects and says hello, then waits for the relay's welcome. */
  public static FakeShim register(URI relay, String token, String function, String instance)
      throws HandshakeRefused, InterruptedException {
    FakeShim shim = connect(relay, token, function, instance);
    shim.take(TunnelMessage.Welcome.class, Duration.ofSeconds(10));
    return shim;
  }

  /** Opens the socket only, with exactly these headers and subprotocol (null for none). */
  public static FakeShim open(URI relay, Map<String, String> headers, String subprotocol)
      throws HandshakeRefused {
    FakeShim shim = new FakeShim();
    shim.socket = Sockets.open(relay, headers, subprotocol, shim.new Listener());
    return shim;
  }

  /**
   * Opens an authenticated tunnel that says nothing, answers no open, echoes nothing and grants no
   * credit: the test speaks for it ({@link #hello}, {@link #sendText}, {@link #sendBinary}).
   */
  public static FakeShim rogue(URI relay, String token) throws HandshakeRefused {
    return open(relay, bearer(token), Tunnel.SUBPROTOCOL)
        .answerOpens(false).echo(false).grantCredit(false);
  }

  /** The hello this fixture says by default: one node target named {@link #TARGET}. */
  public static TunnelMessage.Hello hello(
      String function, String instance, boolean resume, String secret) {
    return new TunnelMessage.Hello(function, instance, "node v22-fake",
        List.of(new Target(TARGET, "node", function, "file:///" + function + ".js")), List.of(),
        "test", resume, List.of(), secret);
  }

  private static Map<String, String> bearer(String token) {
    return Map.of("Authorization", "Bearer " + token);
  }

  /** Says the default hello as {@code function}/{@code instance}; does not wait for welcome. */
  public FakeShim hello(String function, String instance) {
    return hello(hello(function, instance, false, null));
  }

  /** Says exactly {@code hello} (e.g. a resuming one for someone else's instance). */
  public FakeShim hello(TunnelMessage.Hello hello) {
    send(hello);
    return this;
  }

  /** Whether data is echoed back (default true); when off, it is recorded for {@link #takeData}. */
  public FakeShim echo(boolean on) {
    echo = on;
    return this;
  }

  /** Whether opens are answered with opened (default true). */
  public FakeShim answerOpens(boolean on) {
    answerOpens = on;
    return this;
  }

  /** Whether each data frame received is answered with credit (default true). */
  public FakeShim grantCredit(boolean on) {
    grantCredit = on;
    return this;
  }

  /** The resume secret of the welcome this shim got; fails before the welcome. */
  public String resumeSecret() {
    TunnelMessage.Welcome welcome = welcomed.getNow(null);
    if (welcome == null) {
      throw new IllegalStateException("no welcome yet; use register() or take(Welcome) first");
    }
    return welcome.resumeSecret();
  }

  /** True once the relay welcomed this shim, false if the relay closed the tunnel first. */
  public boolean awaitWelcome(Duration timeout) throws InterruptedException {
    try {
      return CompletableFuture.anyOf(welcomed, closed)
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS) instanceof TunnelMessage.Welcome;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      return false;
    }
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
    synchronized (state) {
      state.outbox.addAll(Chunks.split(stream, message));
    }
    pump(stream, state);
  }

  /**
   * Makes the target stream {@code messageBytes}-sized events on {@code stream} for as long as the
   * relay grants credit, like a heap snapshot that never ends.
   */
  public void flood(int stream, int messageBytes) {
    StreamState state = streams.get(stream);
    if (state == null) {
      throw new IllegalStateException("stream " + stream + " is not open");
    }
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
    String message = pollData(timeout);
    if (message == null) {
      throw new AssertionError("no data within " + timeout.toMillis() + " ms");
    }
    return message;
  }

  /** The next whole message if one comes within {@code timeout}, else null. */
  public String pollData(Duration timeout) throws InterruptedException {
    return data.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Sends a control message; sends keep their order and do not wait. */
  public void send(TunnelMessage message) {
    sendRawText(TunnelCodec.encode(message));
  }

  /** Sends any text frame, in order with the other sends; does not wait. */
  public void sendRawText(String text) {
    enqueue(() -> socket.sendText(text, true));
  }

  /** Sends any binary frame, in order with the other sends; does not wait. */
  public void sendRawBinary(ByteBuffer frame) {
    enqueue(() -> socket.sendBinary(frame, true));
  }

  /** Sends any text frame and waits until it is written. */
  public void sendText(String text) throws Exception {
    enqueue(() -> socket.sendText(text, true)).get(10, TimeUnit.SECONDS);
  }

  /** Sends any bytes as one binary frame and waits until it is written. */
  public void sendBinary(byte[] bytes) throws Exception {
    enqueue(() -> socket.sendBinary(ByteBuffer.wrap(bytes), true)).get(10, TimeUnit.SECONDS);
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

  /** How the relay closed the tunnel; fails when it stays open for {@code timeout}. */
  public Closed awaitClose(Duration timeout) throws InterruptedException {
    try {
      return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("the tunnel was not closed within " + timeout);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
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

  private CompletableFuture<?> enqueue(Supplier<CompletableFuture<WebSocket>> send) {
    synchronized (sendLock) {
      sendTail = sendTail.handle((x, e) -> null).thenCompose(x -> send.get());
      return sendTail;
    }
  }

  private void onControl(TunnelMessage message) {
    if (message instanceof TunnelMessage.Welcome welcome) {
      welcomed.complete(welcome);
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
      chunks.forget(close.stream());
    }
    received.add(message);
  }

  private void onData(ByteBuffer frame) throws ProtocolException {
    DataFrame.Chunk chunk = DataFrame.decode(frame);
    int length = chunk.payload().remaining();
    if (grantCredit) {
      long frames = receivedFrames.merge(chunk.stream(), 1L, Long::sum);
      send(new TunnelMessage.Credit(chunk.stream(), length, frames));
    }
    if (!echo) {
      String message = chunks.gather(chunk);
      if (message != null) {
        data.add(message);
      }
      return;
    }
    StreamState state = streams.get(chunk.stream());
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
          state.outbox.addAll(Chunks.split(stream, floodMessage(state.floodBytes)));
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
        .getBytes(StandardCharsets.US_ASCII);
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
        } catch (ProtocolException e) {
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
