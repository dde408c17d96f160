package dev.tether.bench;

import dev.tether.protocol.Target;
import dev.tether.protocol.Tunnel;
import dev.tether.protocol.TunnelCodec;
import dev.tether.protocol.TunnelMessage;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Many simulated shims on one small Netty event loop: each opens a tunnel with a real agent
 * token, says hello and waits for the relay's welcome, then idles (Netty answers the relay's
 * pings). Nothing else: this measures what an idle registered agent costs the relay.
 */
final class FakeShims implements AutoCloseable {
  private final EventLoopGroup loop = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  private final URI relay;
  private final String token;
  private final String function;
  private final java.util.Map<String, String> secrets =
      new java.util.concurrent.ConcurrentHashMap<>();
  /** Per handshake: TCP connect, then the WebSocket upgrade (the relay checks the token), then
   * hello to welcome (the relay registers the instance); nanoseconds. */
  final Samples tcp = new Samples();
  final Samples upgrade = new Samples();
  final Samples welcome = new Samples();

  FakeShims(URI relay, String token, String function) {
    this.relay = relay;
    this.token = token;
    this.function = function;
  }

  /**
   * Connects one shim; completes with its channel once the relay welcomed it. An instance that
   * was welcomed before resumes with the secret of its last welcome, as a real shim does.
   */
  CompletableFuture<Channel> connect(String instance) {
    CompletableFuture<Channel> welcomed = new CompletableFuture<>();
    long[] at = {System.nanoTime(), 0, 0};
    String secret = secrets.get(instance);
    String hello = TunnelCodec.encode(new TunnelMessage.Hello(function, instance, "node bench",
        List.of(new Target("t-" + instance, "node", function, "file:///bench.js")), List.of(),
        "bench", secret != null, List.of(), secret));
    WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
        .webSocketUri(relay)
        .subprotocol(Tunnel.SUBPROTOCOL)
        .customHeaders(new DefaultHttpHeaders().add("Authorization", "Bearer " + token))
        .handshakeTimeoutMillis(60_000)
        .build();
    new Bootstrap().group(loop).channel(NioSocketChannel.class)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(64 * 1024),
                new WebSocketClientProtocolHandler(config),
                new Agent(hello, welcomed, s -> secrets.put(instance, s), at, FakeShims.this));
          }
        })
        .connect(relay.getHost(), relay.getPort())
        .addListener(f -> {
          if (!f.isSuccess()) {
            welcomed.completeExceptionally(f.cause());
          } else {
            at[1] = System.nanoTime();
            tcp.add(at[1] - at[0]);
          }
        });
    return welcomed;
  }

  @Override
  public void close() {
    loop.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }

  private static final class Agent extends SimpleChannelInboundHandler<TextWebSocketFrame> {
    private final String hello;
    private final CompletableFuture<Channel> welcomed;
    private final java.util.function.Consumer<String> secret;
    private final long[] at;
    private final FakeShims timings;

    Agent(String hello, CompletableFuture<Channel> welcomed,
        java.util.function.Consumer<String> secret, long[] at, FakeShims timings) {
      this.hello = hello;
      this.welcomed = welcomed;
      this.secret = secret;
      this.at = at;
      this.timings = timings;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
      if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
        at[2] = System.nanoTime();
        timings.upgrade.add(at[2] - at[1]);
        ctx.writeAndFlush(new TextWebSocketFrame(hello));
      }
      super.userEventTriggered(ctx, event);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
      if (frame.text().contains("\"welcome\"")) {
        try {
          if (TunnelCodec.decode(frame.text()) instanceof TunnelMessage.Welcome welcome) {
            secret.accept(welcome.resumeSecret());
          }
        } catch (dev.tether.protocol.ProtocolException e) {
          welcomed.completeExceptionally(e);
          return;
        }
        timings.welcome.add(System.nanoTime() - at[2]);
        welcomed.complete(ctx.channel());
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      welcomed.completeExceptionally(new IllegalStateException("closed before welcome"));
      super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      welcomed.completeExceptionally(cause);
      ctx.close();
    }
  }
}
