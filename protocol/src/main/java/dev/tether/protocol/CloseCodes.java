package dev.tether.protocol;

/**
 * WebSocket close codes Tether uses on DevTools sockets and in tunnel {@code close} messages. The
 * 4xxx codes are Tether's own; every close also carries a reason a person can act on.
 */
public final class CloseCodes {
  public static final int NORMAL = 1000;
  public static final int GOING_AWAY = 1001;
  public static final int PROTOCOL_ERROR = 1002;
  public static final int POLICY_VIOLATION = 1008;
  public static final int MESSAGE_TOO_BIG = 1009;
  public static final int INTERNAL_ERROR = 1011;

  /** The function instance's tunnel went away (instance stopped, frozen too long, network). */
  public static final int AGENT_LOST = 4000;
  /** The session's owner ended it. */
  public static final int SESSION_ENDED = 4001;
  /** The session reached its maximum duration or idle timeout. */
  public static final int SESSION_EXPIRED = 4002;
  /** An admin terminated the session. */
  public static final int TERMINATED = 4003;
  /** The inspector target closed or no longer exists. */
  public static final int TARGET_GONE = 4004;
  /** The shim could not open an inspector session on the target. */
  public static final int TARGET_UNAVAILABLE = 4005;
  /** The client did not read fast enough and its buffer limit was reached. */
  public static final int SLOW_CONSUMER = 4008;
  /** A newer tunnel for the same instance replaced this one. */
  public static final int REPLACED = 4009;
  /**
   * Tunnel only: the shim drops this connection because it looks dead and will resume its streams
   * on a new one; the relay keeps the sessions for its grace period.
   */
  public static final int RESUMING = 4010;
  /**
   * DevTools sockets only: the peer link between the relay node the socket landed on and the
   * node holding its session broke; the session itself may go on, attach again.
   */
  public static final int NODE_LOST = 4011;

  private CloseCodes() {}
}
