package dev.tether.shim.tunnel;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.ssl.SslContext;

/**
 * The pipeline of the agent tunnel before the upgrade: TLS for {@code wss}, HTTP, and the
 * {@link TunnelHandler} that performs the upgrade and then speaks the tunnel protocol.
 */
final class TunnelInitializer extends ChannelInitializer<SocketChannel> {
  /** A refusal body is a short JSON error; the upgrade response has no other body. */
  private static final int MAX_RESPONSE_BYTES = 64 * 1024;

  private final TunnelConfig config;
  private final SslContext ssl;
  private final TunnelHandler handler;

  TunnelInitializer(TunnelConfig config, SslContext ssl, TunnelHandler handler) {
    this.config = config;
    this.ssl = ssl;
    this.handler = handler;
  }

  @Override
  protected void initChannel(SocketChannel channel) {
    if (ssl != null && config.secure()) {
      channel
          .pipeline()
          .addLast("tls", ssl.newHandler(channel.alloc(), config.relay().getHost(), config.port()));
    }
    channel
        .pipeline()
        .addLast("http", new HttpClientCodec())
        .addLast("http-aggregator", new HttpObjectAggregator(MAX_RESPONSE_BYTES))
        .addLast("tunnel", handler);
  }
}
