package dev.tether.testkit.socket;

/** The server refused a WebSocket upgrade with an HTTP status. */
public final class HandshakeRefused extends Exception {
  public final int status;
  public final String body;

  public HandshakeRefused(int status, String body) {
    super("upgrade refused with HTTP " + status + ": " + body);
    this.status = status;
    this.body = body;
  }
}
