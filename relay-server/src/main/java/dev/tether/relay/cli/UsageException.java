package dev.tether.relay.cli;

/** The command line was wrong; the message says how to write it. Exit status 2. */
public final class UsageException extends RuntimeException {
  public UsageException(String message) {
    super(message, null, false, false);
  }
}
