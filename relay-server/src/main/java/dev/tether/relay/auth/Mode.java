package dev.tether.relay.auth;

import java.util.Locale;

/** How much a debugging session may do: everything, or only look. */
public enum Mode {
  FULL,
  READONLY;

  /** The wire value, e.g. {@code "readonly"}. */
  public String claim() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a wire value; null when it names no mode. */
  public static Mode fromClaim(String value) {
    for (Mode mode : values()) {
      if (mode.claim().equals(value)) {
        return mode;
      }
    }
    return null;
  }
}
