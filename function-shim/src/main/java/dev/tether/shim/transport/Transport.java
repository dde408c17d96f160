package dev.tether.shim.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The shim's one event loop and socket flavour: Linux epoll when available (it can re-arm
 * TCP_QUICKACK), NIO otherwise.
 *
 * <p>One thread serves the tunnel and every inspector session, so all stream state is touched by
 * that thread only and needs no locks; the shim shovels bytes and never blocks that thread.
 */
public final class Transport implements AutoCloseable {
  private final EventLoopGroup group;
  private final boolean epoll;

  private Transport(EventLoopGroup group, boolean epoll) {
    this.group = group;
    this.epoll = epoll;
  }

  /** Epoll when this machine supports it, NIO otherwise. */
  public static Transport create() {
    return create(Epoll.isAvailable());
  }

  /** Forces a flavour; {@code epoll=true} fails when epoll is unavailable. */
  public static Transport create(boolean epoll) {
    if (epoll) {
      Epoll.ensureAvailability();
    }
    IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    return new Transport(
        new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("tether-shim", true), factory),
        epoll);
  }

  public EventLoopGroup group() {
    return group;
  }

  public Class<? extends SocketChannel> channelClass() {
    return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  /** True when inspector links get TCP_QUICKACK re-armed after every read. */
  public boolean quickAck() {
    return epoll;
  }

  /**
   * Adds, at the head of the pipeline, what keeps a latency-sensitive link fast: TCP_QUICKACK
   * re-armed after every read (epoll only). TCP_NODELAY is set by the bootstrap.
   */
  public void armQuickAck(Channel channel) {
    if (epoll) {
      channel.config().setOption(EpollChannelOption.TCP_QUICKACK, true);
      channel.pipeline().addFirst("quickack", new QuickAckHandler());
    }
  }

  /** A client bootstrap on this transport with what every shim connection uses: TCP_NODELAY. */
  public Bootstrap bootstrap() {
    return new Bootstrap()
        .group(group)
        .channel(channelClass())
        .option(ChannelOption.TCP_NODELAY, true);
  }

  @Override
  public void close() {
    if (!group.isShuttingDown()) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }
}
