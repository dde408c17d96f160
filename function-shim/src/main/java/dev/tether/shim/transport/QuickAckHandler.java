package dev.tether.shim.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollChannelOption;

/**
 * Re-arms TCP_QUICKACK after every read. Linux leaves quick-ack mode on its own after a few
 * segments; Node's inspector writes an event and then the reply without TCP_NODELAY, so a delayed
 * ACK of the event holds the reply back by ~40 ms. Setting the option also sends a pending ACK now.
 */
final class QuickAckHandler extends ChannelInboundHandlerAdapter {
  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) {
      ctx.channel().config().setOption(EpollChannelOption.TCP_QUICKACK, true);
    }
    ctx.fireChannelReadComplete();
  }
}
