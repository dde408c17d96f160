package dev.tether.relay.auth;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jwt.JWTClaimNames;
import dev.tether.protocol.TokenClaims;
import java.util.Set;

/**
 * The three kinds of Tether token, each with its own {@code typ} header, audience and required
 * claims, and the advice a person needs when one of theirs is refused.
 */
enum TokenKind {
  USER(
      "user token",
      TokenClaims.TYP_USER,
      TokenClaims.AUD_USER,
      Set.of(JWTClaimNames.SUBJECT, TokenClaims.ROLE, TokenClaims.FUNCTIONS),
      "get a new one with `./tether token user` or from your identity provider"),
  AGENT(
      "agent token",
      TokenClaims.TYP_AGENT,
      TokenClaims.AUD_AGENT,
      Set.of(TokenClaims.FUNCTION),
      "issue a new one with `./tether token agent --function NAME` and restart the shim with it"),
  TICKET(
      "attach ticket",
      TokenClaims.TYP_TICKET,
      TokenClaims.AUD_TICKET,
      Set.of(
          JWTClaimNames.SUBJECT,
          TokenClaims.SESSION,
          TokenClaims.FUNCTION,
          TokenClaims.INSTANCE,
          TokenClaims.MODE),
      "create a new session with POST /api/sessions and open its DevTools URL within a minute");

  /** Claims every relay-issued token carries, whatever its kind. */
  static final Set<String> RELAY_CLAIMS =
      Set.of(
          JWTClaimNames.ISSUER,
          JWTClaimNames.AUDIENCE,
          JWTClaimNames.EXPIRATION_TIME,
          JWTClaimNames.ISSUED_AT,
          JWTClaimNames.JWT_ID);

  private final String label;
  private final JOSEObjectType type;
  private final String audience;
  private final Set<String> kindClaims;
  private final String remedy;

  TokenKind(String label, String typ, String audience, Set<String> kindClaims, String remedy) {
    this.label = label;
    this.type = new JOSEObjectType(typ);
    this.audience = audience;
    this.kindClaims = kindClaims;
    this.remedy = remedy;
  }

  /** How a person calls it, e.g. {@code "agent token"}. */
  String label() {
    return label;
  }

  JOSEObjectType type() {
    return type;
  }

  String audience() {
    return audience;
  }

  Set<String> kindClaims() {
    return kindClaims;
  }

  /** What to do to get a good one, e.g. {@code "get a new one with …"}. */
  String remedy() {
    return remedy;
  }

  /** The kind whose {@code typ} this is (exact, as Tether writes it); null for any other. */
  static TokenKind ofType(JOSEObjectType typ) {
    if (typ == null) {
      return null;
    }
    for (TokenKind kind : values()) {
      if (kind.type.getType().equals(typ.getType())) {
        return kind;
      }
    }
    return null;
  }
}
