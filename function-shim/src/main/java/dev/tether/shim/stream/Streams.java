package dev.tether.shim.stream;

import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.DataFrame;
import dev.tether.protocol.ProtocolException;
import dev.tether.protocol.TunnelCodec;
import dev.tether.protocol.TunnelMessage;
import dev.tether.shim.inspector.InspectorSnapshot;
import dev.tether.shim.inspector.InspectorTarget;
import dev.tether.shim.transport.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live streams of the current tunnel, by id: opens an inspector session per {@code Open},
 * routes credit and data, and closes everything when the tunnel goes. Event loop only.
 *
 * <p>Nothing the relay sends can crash the shim: unknown streams and malformed frames are logged
 * and dropped, and a broken rule closes only the stream it concerns.
 */
public final class Streams {
  private static final Logger log = LoggerFactory.getLogger(Streams.class);

  private final Transport transport;
  private final StreamLimits limits;
  private final Map<Integer, Stream> live = new HashMap<>();
  private Channel tunnel;
  private InspectorSnapshot inspector;

  public Streams(Transport transport, StreamLimits limits) {
    this.transport = transport;
    this.limits = limits;
  }

  /** A tunnel was welcomed; streams opened from now on use it and these targets. */
  public void attach(Channel tunnel, InspectorSnapshot inspector) {
    this.tunnel = tunnel;
    this.inspector = inspector;
  }

  public void open(TunnelMessage.Open open) {
    if (live.containsKey(open.stream())) {
      log.warn("ignored a second open of a live stream stream={}", open.stream());
      return;
    }
    Optional<InspectorTarget> target =
        inspector == null ? Optional.empty() : inspector.target(open.target());
    if (target.isEmpty()) {
      log.warn("open for an unknown target stream={} target={}", open.stream(), open.target());
      tunnel.writeAndFlush(
          new TextWebSocketFrame(
              TunnelCodec.encode(
                  new TunnelMessage.Close(
                      open.stream(),
                      CloseCodes.TARGET_GONE,
                      "this instance has no inspector target " + open.target()
                          + "; it may have exited"))));
      return;
    }
    Stream stream = new Stream(open, tunnel, limits, closed -> live.remove(closed.id(), closed));
    live.put(open.stream(), stream);
    stream.connect(transport, target.get().webSocketUrl());
  }

  public void close(TunnelMessage.Close close) {
    Stream stream = live.get(close.stream());
    if (stream == null) {
      log.debug("close for an unknown stream stream={}", close.stream());
      return;
    }
    stream.closedByRelay(close.code(), close.reason());
  }

  public void credit(TunnelMessage.Credit credit) {
    Stream stream = live.get(credit.stream());
    if (stream == null) {
      log.debug("credit for an unknown stream stream={}", credit.stream());
      return;
    }
    stream.credit(credit.bytes());
  }

  /** One binary tunnel frame; the caller keeps ownership of {@code frame}. */
  public void data(ByteBuf frame) {
    DataFrame.Chunk chunk;
    try {
      chunk = DataFrame.decode(frame.nioBuffer());
    } catch (ProtocolException e) {
      log.warn("ignored a malformed data frame from the relay: {}", e.getMessage());
      return;
    }
    Stream stream = live.get(chunk.stream());
    if (stream == null) {
      log.debug("data for an unknown stream stream={}", chunk.stream());
      return;
    }
    ByteBuf payload =
        frame.retainedSlice(
            frame.readerIndex() + DataFrame.HEADER_BYTES,
            frame.readableBytes() - DataFrame.HEADER_BYTES);
    stream.data(payload, chunk.fin());
  }

  /** The tunnel is gone: end every inspector session (resuming them is a later feature). */
  public void closeAll() {
    new ArrayList<>(live.values()).forEach(Stream::tunnelLost);
    live.clear();
    tunnel = null;
  }

  public int size() {
    return live.size();
  }
}
