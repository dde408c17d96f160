package dev.tether.shim;

import static org.assertj.core.api.Assertions.fail;

import dev.tether.protocol.DataFrame;
import dev.tether.protocol.Tunnel;
import dev.tether.protocol.TunnelCodec;
import dev.tether.protocol.TunnelMessage;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A relay small enough for tests: accepts the shim's tunnel on port 0, welcomes it, and lets a test
 * open streams, send CDP messages within the shim's credit, and take what comes back.
 *
 * <p>Like MockWebServer it records what it got ({@link #takeHello}, {@link #takeControl}, {@link
 * #takeCdp}) with timeouts instead of sleeps. It grants credit for every chunk it receives.
 */
final class FakeRelay implements AutoCloseable {
  static final long OPEN_WINDOW = Tunnel.DEFAULT_WINDOW;

  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final BlockingQueue<TunnelMessage.Hello> hellos = new LinkedBlockingQueue<>();
  private final java.util.Map<String, String> secrets =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final BlockingQueue<TunnelMessage> controls = new LinkedBlockingQueue<>();
  private final BlockingQueue<String> authorizations = new LinkedBlockingQueue<>();
  private final BlockingQueue<TunnelClose> tunnelCloses = new LinkedBlockingQueue<>();
  private final Map<Integer, BlockingQueue<String>> cdp = new ConcurrentHashMap<>();
  private final Map<Integer, ByteArrayOutputStream> partial = new ConcurrentHashMap<>();
  private final Map<Integer, Long> credit = new ConcurrentHashMap<>();
  private final Object creditChanged = new Object();
  private volatile Channel agent;
  private volatile HttpResponseStatus refuseWith;
  private volatile boolean welcome = true;
  private Channel server;

  static FakeRelay start() throws InterruptedException {
    FakeRelay relay = new FakeRelay();
    relay.server =
        new ServerBootstrap()
            .group(relay.group)
            .channel(NioServerSocketChannel.class)
            .childHandler(relay.new Initializer())
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
    return relay;
  }

  int port() {
    return ((java.net.InetSocketAddress) server.localAddress()).getPort();
  }

  /** What a shim is given as --relay. */
  String url() {
    return "ws://127.0.0.1:" + port();
  }

  /** From now on, refuse upgrades with this status and a JSON error body. */
  void refuseWith(HttpResponseStatus status) {
    refuseWith = status;
  }

  /** From now on, never answer Hello. */
  void silent() {
    welcome = false;
  }

  /**
   * The resume secret this relay hands {@code instance} in every welcome, made at its first
   * hello, as the real relay keeps one per instance.
   */
  String secretFor(String instance) {
    return secrets.computeIfAbsent(instance, i -> dev.tether.protocol.ResumeSecret.generate());
  }

  TunnelMessage.Hello takeHello(Duration timeout) throws InterruptedException {
    return take(hellos, timeout, "hello");
  }

  String takeAuthorization(Duration timeout) throws InterruptedException {
    return take(authorizations, timeout, "upgrade request");
  }

  /** How the shim closed the tunnel. */
  record TunnelClose(int code, String reason) {}

  TunnelClose takeTunnelClose(Duration timeout) throws InterruptedException {
    return take(tunnelCloses, timeout, "tunnel close frame");
  }

  /** The next control message other than hello and credit. */
  TunnelMessage takeControl(Duration timeout) throws InterruptedException {
    return take(controls, timeout, "control message");
  }

  /** The next whole CDP message the shim sent on {@code stream}. */
  String takeCdp(int stream, Duration timeout) throws InterruptedException {
    return take(queue(stream), timeout, "CDP message on stream " + stream);
  }

  /** The reply to command {@code id} on {@code stream}, skipping events. */
  String takeReply(int stream, long id, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String prefix = "{\"id\":" + id + ",";
    while (true) {
      String message = takeCdp(stream, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (message.startsWith(prefix)) {
        return message;
      }
    }
  }

  void send(TunnelMessage message) {
    agent().writeAndFlush(new TextWebSocketFrame(TunnelCodec.encode(message)));
  }

  void sendRaw(WebSocketFrame frame) {
    agent().writeAndFlush(frame);
  }

  /** Opens a stream and waits for the shim's {@code Opened}, skipping snapshot points' news. */
  TunnelMessage.Opened open(int stream, String target, Duration timeout) throws InterruptedException {
    send(new TunnelMessage.Open(stream, target, "session-" + stream, OPEN_WINDOW));
    long deadline = System.nanoTime() + timeout.toNanos();
    TunnelMessage answer;
    do { // snapshot points go on reporting meanwhile: their news is not the answer
      answer = takeControl(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
    } while (answer instanceof TunnelMessage.SnapshotHit || answer instanceof TunnelMessage.SnapshotDisabled);
    if (!(answer instanceof TunnelMessage.Opened opened)) {
      throw new AssertionError("expected opened for stream " + stream + ", got " + answer);
    }
    return opened;
  }

  /** Sends one CDP message in chunks, waiting for the shim's credit as a real relay must. */
  void sendCdp(int stream, String json, Duration timeout) throws InterruptedException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    long deadline = System.nanoTime() + timeout.toNanos();
    int offset = 0;
    do {
      int size = Math.min(DataFrame.MAX_CHUNK, bytes.length - offset);
      awaitCredit(stream, size, deadline);
      ByteBuf frame = Unpooled.buffer(DataFrame.HEADER_BYTES + size);
      boolean fin = offset + size == bytes.length;
      frame.writeInt(stream).writeByte(fin ? DataFrame.FIN : 0).writeBytes(bytes, offset, size);
      agent().writeAndFlush(new BinaryWebSocketFrame(frame));
      offset += size;
    } while (offset < bytes.length);
  }

  /** Drops the tunnel's TCP connection without a close frame. */
  /** Forgets every instance's secret, as a restarted relay would; the next welcome has a new one. */
  void forgetSecrets() {
    secrets.clear();
  }

  void dropTunnel() {
    agent().close();
  }

  private void awaitCredit(int stream, int size, long deadline) throws InterruptedException {
    synchronized (creditChanged) {
      while (credit.getOrDefault(stream, 0L) < size) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          fail("no credit for " + size + " bytes on stream " + stream);
        }
        creditChanged.wait(left);
      }
      credit.merge(stream, (long) -size, Long::sum);
    }
  }

  private void addCredit(int stream, long bytes) {
    synchronized (creditChanged) {
      credit.merge(stream, bytes, Long::sum);
      creditChanged.notifyAll();
    }
  }

  private Channel agent() {
    Channel channel = agent;
    if (channel == null) {
      throw new IllegalStateException("no shim is connected; wait for takeHello() first");
    }
    return channel;
  }

  private BlockingQueue<String> queue(int stream) {
    return cdp.computeIfAbsent(stream, s -> new LinkedBlockingQueue<>());
  }

  private static <T> T take(BlockingQueue<T> queue, Duration timeout, String what)
      throws InterruptedException {
    T item = queue.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (item == null) {
      throw new AssertionError("no " + what + " within " + timeout.toMillis() + " ms");
    }
    return item;
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private final class Initializer extends ChannelInitializer<SocketChannel> {
    @Override
    protected void initChannel(SocketChannel channel) {
      channel
          .pipeline()
          .addLast(new HttpServerCodec())
          .addLast(new HttpObjectAggregator(64 * 1024))
          .addLast(new UpgradeGate())
          .addLast(
              new WebSocketServerProtocolHandler(
                  WebSocketServerProtocolConfig.newBuilder()
                      .websocketPath(Tunnel.AGENT_PATH)
                      .subprotocols(Tunnel.SUBPROTOCOL)
                      .maxFramePayloadLength(1024 * 1024)
                      .handleCloseFrames(false)
                      .build()))
          .addLast(new AgentHandler());
    }
  }

  /** Records the Authorization header and refuses when told to. */
  private final class UpgradeGate extends SimpleChannelInboundHandler<FullHttpRequest> {
    UpgradeGate() {
      super(false);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      authorizations.add(String.valueOf(request.headers().get(HttpHeaderNames.AUTHORIZATION)));
      HttpResponseStatus status = refuseWith;
      if (status == null) {
        ctx.fireChannelRead(request);
        return;
      }
      request.release();
      ByteBuf body =
          Unpooled.copiedBuffer(
              "{\"error\":\"invalid_token\",\"message\":\"the agent token has expired\"}",
              StandardCharsets.UTF_8);
      DefaultFullHttpResponse response =
          new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
      response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }

  private final class AgentHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
      if (event instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
        agent = ctx.channel();
      }
      super.userEventTriggered(ctx, event);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) throws Exception {
      if (frame instanceof TextWebSocketFrame text) {
        TunnelMessage message = TunnelCodec.decode(text.text());
        if (message instanceof TunnelMessage.Hello hello) {
          hellos.add(hello);
          if (welcome) {
            ctx.writeAndFlush(
                new TextWebSocketFrame(
                    TunnelCodec.encode(new TunnelMessage.Welcome(hello.instance(), 15, 30,
                        secretFor(hello.instance())))));
          }
        } else if (message instanceof TunnelMessage.Credit c) {
          addCredit(c.stream(), c.bytes());
        } else {
          if (message instanceof TunnelMessage.Opened opened) {
            addCredit(opened.stream(), opened.window());
          }
          controls.add(message);
        }
      } else if (frame instanceof BinaryWebSocketFrame binary) {
        DataFrame.Chunk chunk = DataFrame.decode(binary.content().nioBuffer());
        byte[] bytes = new byte[chunk.payload().remaining()];
        chunk.payload().get(bytes);
        ByteArrayOutputStream gathered =
            partial.computeIfAbsent(chunk.stream(), s -> new ByteArrayOutputStream());
        gathered.write(bytes);
        if (chunk.fin()) {
          queue(chunk.stream()).add(gathered.toString(StandardCharsets.UTF_8));
          gathered.reset();
        }
        if (bytes.length > 0) {
          ctx.writeAndFlush(
              new TextWebSocketFrame(
                  TunnelCodec.encode(new TunnelMessage.Credit(chunk.stream(), bytes.length))));
        }
      } else if (frame instanceof CloseWebSocketFrame close) {
        tunnelCloses.add(new TunnelClose(close.statusCode(), close.reasonText()));
        ctx.writeAndFlush(new CloseWebSocketFrame(close.statusCode(), ""))
            .addListener(ChannelFutureListener.CLOSE);
      }
    }
  }
}
