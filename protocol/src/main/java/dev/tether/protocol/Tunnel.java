package dev.tether.protocol;

/** Names and numbers both ends of the agent tunnel agree on. */
public final class Tunnel {
  /** The WebSocket subprotocol of this tunnel version; the relay refuses any other. */
  public static final String SUBPROTOCOL = "tether.v1";
  /** Where the shim dials in. */
  public static final String AGENT_PATH = "/agent";
  /** Payload bytes each side may send on a new stream before the first {@code credit}. */
  public static final long DEFAULT_WINDOW = 1024 * 1024;

  private Tunnel() {}
}
