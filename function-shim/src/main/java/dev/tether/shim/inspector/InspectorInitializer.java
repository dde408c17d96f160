package dev.tether.shim.inspector;

import dev.tether.shim.transport.Transport;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import java.net.URI;

/**
 * The pipeline of one inspector WebSocket: TCP_QUICKACK re-armed after every read, an HTTP upgrade
 * to the target's URL, a frame limit large enough for heap snapshots, and the backend handler.
 */
public final class InspectorInitializer extends ChannelInitializer<SocketChannel> {
  static final long HANDSHAKE_TIMEOUT_MILLIS = 5_000;

  private final Transport transport;
  private final URI webSocketUrl;
  private final int maxFrameBytes;
  private final InspectorListener listener;

  public InspectorInitializer(
      Transport transport, URI webSocketUrl, int maxFrameBytes, InspectorListener listener) {
    this.transport = transport;
    this.webSocketUrl = webSocketUrl;
    this.maxFrameBytes = maxFrameBytes;
    this.listener = listener;
  }

  @Override
  protected void initChannel(SocketChannel channel) {
    transport.armQuickAck(channel);
    WebSocketClientProtocolConfig config =
        WebSocketClientProtocolConfig.newBuilder()
            .webSocketUri(webSocketUrl)
            .maxFramePayloadLength(maxFrameBytes)
            .handshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MILLIS)
            // The shim shovels CDP bytes; validating UTF-8 of a 50 MB message is not its job.
            .withUTF8Validator(false)
            .build();
    channel
        .pipeline()
        .addLast(new HttpClientCodec())
        .addLast(new HttpObjectAggregator(64 * 1024))
        .addLast(new WebSocketClientProtocolHandler(config))
        .addLast(new InspectorBackendHandler(listener));
  }
}
