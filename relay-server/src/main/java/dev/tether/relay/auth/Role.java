package dev.tether.relay.auth;

import java.util.Locale;

/** What a user may do beyond debugging their granted functions. */
public enum Role {
  DEVELOPER,
  ADMIN;

  /** The claim value, e.g. {@code "developer"}. */
  public String claim() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a claim value; null when it names no role. */
  public static Role fromClaim(String value) {
    for (Role role : values()) {
      if (role.claim().equals(value)) {
        return role;
      }
    }
    return null;
  }
}
