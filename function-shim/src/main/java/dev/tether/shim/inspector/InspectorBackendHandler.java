package dev.tether.shim.inspector;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * The inspector side of a stream's bridge: hands CDP frames from Node to the stream and reports
 * when the inspector session opens or ends, and when a read's frames are all handed over (the
 * stream flushes then, as Netty's proxy handlers write in channelRead and flush in
 * channelReadComplete). Reading is the stream's decision (AUTO_READ off once the handshake is
 * done).
 */
final class InspectorBackendHandler extends ChannelInboundHandlerAdapter {
  private final InspectorListener listener;
  private String failure;

  InspectorBackendHandler(InspectorListener listener) {
    this.listener = listener;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    if (event == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
      ctx.channel().config().setAutoRead(false);
      listener.inspectorOpened(ctx.channel());
    } else if (event == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
      failure =
          "the inspector did not complete the WebSocket handshake within "
              + InspectorInitializer.HANDSHAKE_TIMEOUT_MILLIS
              + " ms";
    }
    super.userEventTriggered(ctx, event);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof TextWebSocketFrame
          || msg instanceof BinaryWebSocketFrame
          || msg instanceof ContinuationWebSocketFrame) {
        listener.inspectorFrame((WebSocketFrame) msg);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    listener.inspectorReadComplete();
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    listener.inspectorClosed(failure != null ? failure : "the inspector closed the session");
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (failure == null) {
      failure = "the inspector connection failed: " + cause.getMessage();
    }
    ctx.close();
  }
}
