package dev.tether.relay.auth;

/**
 * A credential was refused. {@code status} is the HTTP status to answer with (401 for a missing,
 * invalid or expired credential; 403 for a valid one without the grant), {@code code} the stable
 * error code of the JSON body, and the message says what to do. Never includes the token.
 */
public class AuthException extends Exception {
  private final int status;
  private final String code;

  public AuthException(int status, String code, String message) {
    super(message);
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
