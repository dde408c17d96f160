package dev.tether.bench.floor;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import java.net.URI;
import java.util.concurrent.CompletableFuture;

/**
 * The floor's shim-like hop (bench only): on one Netty event loop (epoll when available, as the
 * shim), a WebSocket to the inspector and one to the {@link JettyHop}'s {@code /agent}, and every
 * frame of one goes to the other. No tunnel framing, no streams, no credit. Prints {@code
 * forwarding} once both are open. Arguments: the JettyHop's agent URL, the inspector's URL.
 */
public final class NettyHop {
  private NettyHop() {}

  public static void main(String[] args) throws Exception {
    boolean epoll = Epoll.isAvailable();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
        epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    NettyLeg inspector = new NettyLeg();
    NettyLeg agent = new NettyLeg();
    inspector.pair(agent);
    connect(group, epoll, URI.create(args[1]), inspector).join();
    connect(group, epoll, URI.create(args[0]), agent).join();
    inspector.start();
    agent.start();
    System.out.println("forwarding (" + (epoll ? "epoll" : "nio") + ")");
    System.out.flush();
  }

  private static CompletableFuture<Channel> connect(EventLoopGroup group, boolean epoll, URI uri,
      NettyLeg leg) {
    WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
        .webSocketUri(uri)
        .maxFramePayloadLength(256 * 1024 * 1024)
        .withUTF8Validator(false)
        .build();
    new Bootstrap().group(group)
        .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel channel) {
            channel.pipeline()
                .addLast(new HttpClientCodec())
                .addLast(new HttpObjectAggregator(64 * 1024))
                .addLast(new WebSocketClientProtocolHandler(config))
                .addLast(leg);
          }
        })
        .connect(uri.getHost(), uri.getPort());
    return leg.opened();
  }
}
