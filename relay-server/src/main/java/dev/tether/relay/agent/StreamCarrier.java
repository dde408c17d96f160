package dev.tether.relay.agent;

import dev.tether.protocol.TunnelMessage;
import java.nio.ByteBuffer;

/**
 * What carries {@link TunnelStream}s to their far end with the tunnel's framing: a shim's tunnel
 * ({@link AgentTunnel}), or a relay node's peer link to the node that holds a session.
 */
public interface StreamCarrier {
  /** Sends one control message; dropped while the carrier is down or closed. */
  void send(TunnelMessage message);

  /** Writes one encoded data frame ({@code DataFrame.encode}); dropped while down. */
  void sendFrame(ByteBuffer frame);

  /** {@code stream} is over: forget it, and send {@code close} unless it is null. */
  void streamEnded(TunnelStream stream, TunnelMessage.Close close);

  /** The round trip to the far end, as pings measured it; 0 while unknown. */
  long roundTripNanos();
}
