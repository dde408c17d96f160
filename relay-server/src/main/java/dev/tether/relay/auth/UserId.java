package dev.tether.relay.auth;

import java.util.Objects;

/**
 * Who a user is across the issuers the relay trusts: the token's issuer and its subject. Two
 * tokens name the same user only when both match, so "alice" from the identity provider and
 * "alice" minted by {@code tether token user} never own each other's sessions.
 */
public record UserId(String issuer, String subject) {
  public UserId {
    Objects.requireNonNull(issuer, "issuer");
    Objects.requireNonNull(subject, "subject");
  }

  @Override
  public String toString() {
    return subject + " (" + issuer + ")";
  }
}
