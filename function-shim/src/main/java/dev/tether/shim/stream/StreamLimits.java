package dev.tether.shim.stream;

import dev.tether.protocol.DataFrame;
import dev.tether.protocol.Tunnel;

/**
 * How much one DevTools session may hold in the shim.
 *
 * @param window payload bytes the relay may send on a stream before the shim grants credit
 *     (announced in {@code Opened})
 * @param maxMessageBytes the largest CDP message the shim gathers from the relay for the inspector;
 *     a larger one closes the stream with 1009
 * @param maxInspectorFrameBytes the largest WebSocket frame the shim accepts from Node's inspector;
 *     deliberately large, because a 5 MB script source or tens of MB of evaluation result are
 *     legitimate and Netty's 64 KiB default would close such a session with 1009
 */
public record StreamLimits(long window, long maxMessageBytes, int maxInspectorFrameBytes) {
  public static final StreamLimits DEFAULTS =
      new StreamLimits(Tunnel.DEFAULT_WINDOW, 64L * 1024 * 1024, 256 * 1024 * 1024);

  public StreamLimits {
    if (window < DataFrame.MAX_CHUNK) {
      throw new IllegalArgumentException(
          "window must hold at least one full data frame (" + DataFrame.MAX_CHUNK + " bytes), was "
              + window);
    }
    if (maxMessageBytes <= 0) {
      throw new IllegalArgumentException("maxMessageBytes must be positive, was " + maxMessageBytes);
    }
    if (maxInspectorFrameBytes <= 0) {
      throw new IllegalArgumentException(
          "maxInspectorFrameBytes must be positive, was " + maxInspectorFrameBytes);
    }
  }
}
