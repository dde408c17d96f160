package dev.tether.relay.config;

import java.net.URI;
import java.util.Set;

/**
 * An identity provider whose user tokens the relay trusts: its exact issuer, the audience its
 * tokens must carry, and where its JWK set lives ({@code file:}, {@code https:}, or {@code http:}
 * on loopback only).
 */
public record ExternalIssuer(String issuer, String audience, URI jwks) {
  private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "[::1]", "::1");

  public ExternalIssuer {
    if (issuer == null || issuer.isBlank()) {
      throw new IllegalArgumentException("the external issuer needs its exact iss value");
    }
    if (audience == null || audience.isBlank()) {
      throw new IllegalArgumentException(
          "the external issuer needs the audience its tokens carry for Tether");
    }
    if (jwks == null || jwks.getScheme() == null) {
      throw new IllegalArgumentException(
          "the external issuer needs a JWKS location, a file: or https: URI");
    }
    String scheme = jwks.getScheme();
    boolean ok =
        scheme.equals("file")
            || scheme.equals("https")
            || (scheme.equals("http") && jwks.getHost() != null && LOOPBACK.contains(jwks.getHost()));
    if (!ok) {
      throw new IllegalArgumentException(
          "the external JWKS must be a file: or https: URI (http: only on loopback), was " + jwks);
    }
  }
}
