package dev.tether.protocol;

/** A peer sent something that is not a valid tunnel message or frame. */
public class ProtocolException extends Exception {
  public ProtocolException(String message) {
    super(message);
  }

  public ProtocolException(String message, Throwable cause) {
    super(message, cause);
  }
}
