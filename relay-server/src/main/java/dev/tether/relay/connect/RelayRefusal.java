package dev.tether.relay.connect;

/**
 * The relay said no (or could not be reached): the HTTP status and error code to pass on to the
 * local debugger, and a message that says what to do.
 */
public final class RelayRefusal extends Exception {
  private final int status;
  private final String code;

  public RelayRefusal(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }
}
