package dev.tether.protocol;

/** Names and numbers both ends of the agent tunnel agree on. */
public final class Tunnel {
  /**
   * The WebSocket subprotocol of this tunnel version; the relay refuses any other. v2 added
   * resume: positions in hello and welcome, acknowledgements in credit. A v1 peer cannot resume
   * and would take a v2 credit for a protocol error, so the two do not mix.
   */
  public static final String SUBPROTOCOL = "tether.v2";
  /**
   * The subprotocol of the peer link between two relay nodes of a cluster: the same control
   * messages, data frames and credit as this tunnel, streams opened by {@code attach}.
   */
  public static final String PEER_SUBPROTOCOL = "tether.peer.v1";
  /** Where one relay node dials another for its peer link. */
  public static final String PEER_PATH = "/peer";
  /** Where the shim dials in. */
  public static final String AGENT_PATH = "/agent";
  /** Payload bytes each side may send on a new stream before the first {@code credit}. */
  public static final long DEFAULT_WINDOW = 1024 * 1024;

  /**
   * The most data frames a sender keeps unacknowledged on one stream; credit bounds their bytes,
   * this bounds their number (empty frames cost no credit). Receivers acknowledge every {@link
   * #ACK_EVERY} frames, so a sender never waits here for long.
   */
  public static final int MAX_UNACKED_FRAMES = 1024;
  /** A receiver acknowledges at least every this many data frames, even without credit to grant. */
  public static final int ACK_EVERY = 64;

  private Tunnel() {}
}
