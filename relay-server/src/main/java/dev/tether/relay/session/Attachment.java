package dev.tether.relay.session;

/** The DevTools connection attached to a session, as the session sees it: something to end. */
public interface Attachment {
  /** Closes the DevTools socket with {@code code} and {@code reason}, and its tunnel stream. */
  void end(int code, String reason);
}
