package dev.tether.shim.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.shim.transport.Transport;
import io.netty.buffer.ByteBufInputStream;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import java.io.IOException;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The shim's own inspector session for snapshot points: a small CDP client on one WebSocket to
 * Node's inspector, beside (never inside) the developers' sessions. Commands return futures that
 * complete on the shim's event loop; events go to one listener on that loop. Unlike the bridged
 * streams, this session parses what it reads: it is the shim talking CDP itself.
 */
final class CdpSession {
  static final ObjectMapper JSON = new ObjectMapper();
  /** Scope listings are small; this bounds a message, not a heap snapshot. */
  private static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

  /** Hears the inspector's events and the session's end; called on the event loop. */
  interface Listener {
    void event(String method, JsonNode params);

    void closed(String why);
  }

  /** A CDP error reply, with the inspector's message. */
  static final class CdpError extends RuntimeException {
    CdpError(String message) {
      super(message, null, false, false);
    }
  }

  private final Map<Long, CompletableFuture<JsonNode>> pending = new HashMap<>();
  private final Listener listener;
  private Channel channel;
  private long nextId;
  private boolean closed;
  private boolean corked;

  private CdpSession(Listener listener) {
    this.listener = listener;
  }

  /** Opens a session on {@code webSocketUrl}; completes on the event loop once it is usable. */
  static CompletableFuture<CdpSession> open(Transport transport, URI webSocketUrl, Listener listener) {
    CdpSession session = new CdpSession(listener);
    CompletableFuture<CdpSession> opened = new CompletableFuture<>();
    WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
        .webSocketUri(webSocketUrl)
        .maxFramePayloadLength(MAX_MESSAGE_BYTES)
        .handshakeTimeoutMillis(5_000)
        .build();
    transport.bootstrap()
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel channel) {
            transport.armQuickAck(channel);
            channel.pipeline()
                .addLast(new HttpClientCodec())
                .addLast(new HttpObjectAggregator(64 * 1024))
                .addLast(new WebSocketClientProtocolHandler(config))
                .addLast(new WebSocketFrameAggregator(MAX_MESSAGE_BYTES))
                .addLast(session.new Handler(opened));
          }
        })
        .connect(webSocketUrl.getHost(), webSocketUrl.getPort())
        .addListener((ChannelFuture connected) -> {
          if (!connected.isSuccess()) {
            opened.completeExceptionally(new IOException(
                "cannot reach the inspector: " + connected.cause().getMessage()));
          }
        });
    return opened;
  }

  /**
   * A session on a channel whose WebSocket handshake is done, reading the frames that reach the
   * end of its pipeline: tests script an inspector on an embedded channel this way.
   */
  static CdpSession over(Channel channel, Listener listener) {
    CdpSession session = new CdpSession(listener);
    session.channel = channel;
    channel.pipeline().addLast(session.new Handler(new CompletableFuture<>()));
    return session;
  }

  /** Sends one command; event loop only. */
  CompletableFuture<JsonNode> send(String method, ObjectNode params) {
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    if (closed || channel == null || !channel.isActive()) {
      reply.completeExceptionally(new CdpError("the snapshot session is closed"));
      return reply;
    }
    long id = ++nextId;
    ObjectNode command = JSON.createObjectNode().put("id", id).put("method", method);
    if (params != null) {
      command.set("params", params);
    }
    pending.put(id, reply);
    if (corked) {
      channel.write(new TextWebSocketFrame(command.toString()));
    } else {
      channel.writeAndFlush(new TextWebSocketFrame(command.toString()));
    }
    return reply;
  }

  /**
   * Holds the commands sent from now on in the channel until {@link #uncork}: a hit's reads and
   * its resume leave in one write, not one system call each, while the function waits.
   */
  void cork() {
    corked = true;
  }

  /** Flushes what {@link #cork} held and sends each command at once again. */
  void uncork() {
    corked = false;
    if (channel != null) {
      channel.flush();
    }
  }

  CompletableFuture<JsonNode> send(String method) {
    return send(method, null);
  }

  /**
   * Runs work on this session's event loop after what it is reading now: a capture's values are
   * read into the hit there, after the resume's reply, since the function runs again by then.
   */
  Executor later() {
    return channel.eventLoop();
  }

  static ObjectNode params() {
    return JSON.createObjectNode();
  }

  boolean isOpen() {
    return !closed && channel != null && channel.isActive();
  }

  /** Ends the session; pending commands fail. Idempotent. */
  void close() {
    if (channel != null) {
      channel.close();
    }
  }

  private void ended(String why) {
    if (closed) {
      return;
    }
    closed = true;
    pending.values().forEach(f -> f.completeExceptionally(new CdpError(why)));
    pending.clear();
    listener.closed(why);
  }

  private final class Handler extends SimpleChannelInboundHandler<TextWebSocketFrame> {
    private final CompletableFuture<CdpSession> opened;

    Handler(CompletableFuture<CdpSession> opened) {
      this.opened = opened;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
      if (event == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
        channel = ctx.channel();
        opened.complete(CdpSession.this);
      } else if (event == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
        opened.completeExceptionally(new IOException("the inspector did not complete the handshake"));
      }
      super.userEventTriggered(ctx, event);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame)
        throws IOException {
      JsonNode message = JSON.readTree(new ByteBufInputStream(frame.content()));
      if (message.has("id")) {
        CompletableFuture<JsonNode> reply = pending.remove(message.path("id").asLong());
        if (reply == null) {
          return;
        }
        if (message.has("error")) {
          reply.completeExceptionally(new CdpError(message.path("error").path("message").asText()));
        } else {
          reply.complete(message.path("result"));
        }
      } else if (message.has("method")) {
        listener.event(message.path("method").asText(), message.path("params"));
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      opened.completeExceptionally(new IOException("the inspector closed the connection"));
      ended("the inspector closed the snapshot session");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
