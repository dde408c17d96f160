package dev.tether.relay.auth;

import dev.tether.relay.config.ExternalIssuer;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the relay verifies tokens: the issuer name it signs as, the clock skew it forgives (30 s at
 * most), the longest ticket lifetime it accepts (60 s at most) and an optional identity provider.
 */
public record AuthConfig(
    String issuer, Duration clockSkew, Duration maxTicketTtl, Optional<ExternalIssuer> external) {
  public static final Duration MAX_CLOCK_SKEW = Duration.ofSeconds(30);
  public static final Duration MAX_TICKET_TTL = Duration.ofSeconds(60);

  public AuthConfig {
    if (issuer == null || issuer.isBlank()) {
      throw new IllegalArgumentException("auth issuer is required, e.g. the relay's public URL");
    }
    clockSkew = clockSkew == null ? MAX_CLOCK_SKEW : clockSkew;
    if (clockSkew.isNegative() || clockSkew.compareTo(MAX_CLOCK_SKEW) > 0) {
      throw new IllegalArgumentException("clock skew must be between 0 and 30 s, was " + clockSkew);
    }
    maxTicketTtl = maxTicketTtl == null ? MAX_TICKET_TTL : maxTicketTtl;
    if (maxTicketTtl.isNegative()
        || maxTicketTtl.isZero()
        || maxTicketTtl.compareTo(MAX_TICKET_TTL) > 0) {
      throw new IllegalArgumentException(
          "ticket lifetime must be more than 0 and at most 60 s, was " + maxTicketTtl);
    }
    external = Objects.requireNonNullElse(external, Optional.empty());
    if (external.isPresent() && external.get().issuer().equals(issuer)) {
      throw new IllegalArgumentException(
          "the external issuer must differ from the relay's own issuer " + issuer);
    }
  }

  /** The defaults: 30 s skew, 60 s tickets, no identity provider. */
  public static AuthConfig defaults(String issuer) {
    return new AuthConfig(issuer, null, null, Optional.empty());
  }
}
