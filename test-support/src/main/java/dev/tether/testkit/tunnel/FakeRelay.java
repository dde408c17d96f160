package dev.tether.testkit.tunnel;

import dev.tether.protocol.DataFrame;
import dev.tether.protocol.ResumeSecret;
import dev.tether.protocol.Tunnel;
import dev.tether.protocol.TunnelCodec;
import dev.tether.protocol.TunnelMessage;
import dev.tether.testkit.socket.Closed;
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
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A relay small enough for tests (on Netty, so only modules that have Netty can use it): accepts a
 * shim's tunnel on port 0, welcomes it, and lets a test open streams, send CDP messages within the
 * shim's credit, and take what comes back.
 *
 * <p>Like MockWebServer it records what it got ({@link #takeHello}, {@link #takeControl}, {@link
 * #takeCdp}) with timeouts instead of sleeps. It grants credit for every chunk it receives.
 */
public final class FakeRelay implements AutoCloseable {
  public static final long OPEN_WINDOW = Tunnel.DEFAULT_WINDOW;

  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final BlockingQueue<TunnelMessage.Hello> hellos = new LinkedBlockingQueue<>();
  private final Map<String, String> secrets = new ConcurrentHashMap<>();
  private final BlockingQueue<TunnelMessage> controls = new LinkedBlockingQueue<>();
  private final BlockingQueue<String> authorizations = new LinkedBlockingQueue<>();
  private final BlockingQueue<Closed> tunnelCloses = new LinkedBlockingQueue<>();
  private final Map<Integer, BlockingQueue<String>> cdp = new ConcurrentHashMap<>();
  private final Chunks chunks = new Chunks();
  private final CreditLedger credit = new CreditLedger();
  private volatile Channel agent;
  private volatile HttpResponseStatus refuseWith;
  private volatile boolean welcome = true;
  private Channel server;

  public static FakeRelay start() throws InterruptedException {
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

  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** What a shim is given as --relay. */
  public String url() {
    return "ws://127.0.0.1:" + port();
  }

  /** From now on, refuse upgrades with this status and a JSON error body. */
  public void refuseWith(HttpResponseStatus status) {
    refuseWith = status;
  }

  /** From now on, never answer Hello. */
  public void silent() {
    welcome = false;
  }

  /**
   * The resume secret this relay hands {@code instance} in every welcome, made at its first
   * hello, as the real relay keeps one per instance.
   */
  public String secretFor(String instance) {
    return secrets.computeIfAbsent(instance, i -> ResumeSecret.generate());
  }

  public TunnelMessage.Hello takeHello(Duration timeout) throws InterruptedException {
    return take(hellos, timeout, "hello");
  }

  public String takeAuthorization(Duration timeout) throws InterruptedException {
    return take(authorizations, timeout, "upgrade request");
  }

  /** How the shim closed the tunnel (its close frame). */
  public Closed takeTunnelClose(Duration timeout) throws InterruptedException {
    return take(tunnelCloses, timeout, "tunnel close frame");
  }

  /** The next control message other than hello and credit. */
  public TunnelMessage takeControl(Duration timeout) throws InterruptedException {
    return take(controls, timeout, "control message");
  }

  /** The next control message of this type (others are dropped); fails after {@code timeout}. */
  public <T extends TunnelMessage> T takeControl(Class<T> type, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      TunnelMessage message =
          takeControl(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (type.isInstance(message)) {
        return type.cast(message);
      }
    }
  }

  /** The next whole CDP message the shim sent on {@code stream}. */
  public String takeCdp(int stream, Duration timeout) throws InterruptedException {
    return take(queue(stream), timeout, "CDP message on stream " + stream);
  }

  /** The reply to command {@code id} on {@code stream}, skipping events. */
  public String takeReply(int stream, long id, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String prefix = "{\"id\":" + id + ",";
    while (true) {
      String message = takeCdp(stream, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (message.startsWith(prefix)) {
        return message;
      }
    }
  }

  public void send(TunnelMessage message) {
    agent().writeAndFlush(new TextWebSocketFrame(TunnelCodec.encode(message)));
  }

  public void sendRaw(WebSocketFrame frame) {
    agent().writeAndFlush(frame);
  }

  /** Opens a stream and waits for the shim's {@code Opened}, skipping snapshot points' news. */
  public TunnelMessage.Opened open(int stream, String target, Duration timeout) throws InterruptedException {
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
  public void sendCdp(int stream, String json, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (DataFrame.Chunk chunk : Chunks.split(stream, json)) {
      int size = chunk.payload().remaining();
      credit.spend(stream, size, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      ByteBuf frame = Unpooled.buffer(DataFrame.HEADER_BYTES + size);
      frame.writeInt(stream).writeByte(chunk.fin() ? DataFrame.FIN : 0).writeBytes(chunk.payload());
      agent().writeAndFlush(new BinaryWebSocketFrame(frame));
    }
  }

  /** Forgets every instance's secret, as a restarted relay would; the next welcome has a new one. */
  public void forgetSecrets() {
    secrets.clear();
  }

  /** Drops the tunnel's TCP connection without a close frame. */
  public void dropTunnel() {
    agent().close();
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
          credit.grant(c.stream(), c.bytes());
        } else {
          if (message instanceof TunnelMessage.Opened opened) {
            credit.grant(opened.stream(), opened.window());
          }
          controls.add(message);
        }
      } else if (frame instanceof BinaryWebSocketFrame binary) {
        DataFrame.Chunk chunk = DataFrame.decode(binary.content().nioBuffer());
        int length = chunk.payload().remaining();
        String message = chunks.gather(chunk);
        if (message != null) {
          queue(chunk.stream()).add(message);
        }
        if (length > 0) {
          ctx.writeAndFlush(
              new TextWebSocketFrame(
                  TunnelCodec.encode(new TunnelMessage.Credit(chunk.stream(), length))));
        }
      } else if (frame instanceof CloseWebSocketFrame close) {
        tunnelCloses.add(new Closed(close.statusCode(), close.reasonText()));
        ctx.writeAndFlush(new CloseWebSocketFrame(close.statusCode(), ""))
            .addListener(ChannelFutureListener.CLOSE);
      }
    }
  }
}
