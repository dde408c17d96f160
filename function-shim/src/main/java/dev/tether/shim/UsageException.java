package dev.tether.shim;

/** The command line or environment does not say how to run the shim; the message says what to do. */
public final class UsageException extends Exception {
  public UsageException(String message) {
    super(message);
  }
}
