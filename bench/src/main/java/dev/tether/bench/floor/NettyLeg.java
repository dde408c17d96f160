package dev.tether.bench.floor;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.CompletableFuture;

/**
 * One socket of the {@link NettyHop}, as in Netty's proxy example: AUTO_READ off, each data frame
 * written and flushed to the paired socket, and this socket read again from that write's
 * completion.
 */
final class NettyLeg extends ChannelInboundHandlerAdapter {
  private final CompletableFuture<Channel> opened = new CompletableFuture<>();
  private volatile Channel channel;
  private volatile NettyLeg peer;

  void pair(NettyLeg other) {
    peer = other;
    other.peer = this;
  }

  CompletableFuture<Channel> opened() {
    return opened;
  }

  /** Both sockets are open: start reading. */
  void start() {
    channel.eventLoop().execute(channel::read);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    if (event == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
      ctx.channel().config().setAutoRead(false);
      channel = ctx.channel();
      opened.complete(channel);
    } else if (event == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
      opened.completeExceptionally(new IllegalStateException("handshake timed out"));
    }
    super.userEventTriggered(ctx, event);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame
        || msg instanceof ContinuationWebSocketFrame) {
      peer.channel.writeAndFlush(msg).addListener((ChannelFuture written) -> {
        if (written.isSuccess()) {
          ctx.channel().read();
        } else {
          ctx.close();
        }
      });
    } else {
      ReferenceCountUtil.release(msg);
      ctx.channel().read();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    opened.completeExceptionally(new IllegalStateException("closed"));
    NettyLeg other = peer;
    if (other != null && other.channel != null) {
      other.channel.close();
    }
    System.exit(0);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    opened.completeExceptionally(cause);
    ctx.close();
  }
}
