package dev.tether.relay.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tether.protocol.TokenClaims;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * Signs the relay's user tokens, agent tokens and attach tickets with its own key, each with its
 * kind's {@code typ}, audience, issue time, expiry and a fresh id.
 */
public final class TokenIssuer {
  private final SigningKeys keys;
  private final String issuer;
  private final Clock clock;

  public TokenIssuer(SigningKeys keys, String issuer, Clock clock) {
    this.keys = Objects.requireNonNull(keys, "keys");
    if (issuer == null || issuer.isBlank()) {
      throw new IllegalArgumentException("the token issuer needs a name, e.g. the relay's URL");
    }
    this.issuer = issuer;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** A user token; empty {@code modes} means both modes (the claim is then left out). */
  public String userToken(
      String subject, Role role, List<String> functions, Set<Mode> modes, Duration ttl) {
    requireText(subject, "subject");
    Objects.requireNonNull(role, "role");
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .subject(subject)
            .claim(TokenClaims.ROLE, role.claim())
            .claim(TokenClaims.FUNCTIONS, List.copyOf(functions));
    if (modes != null && !modes.isEmpty()) {
      claims.claim(TokenClaims.MODES, modes.stream().sorted().map(Mode::claim).toList());
    }
    return sign(TokenKind.USER, claims, newId(), ttl).serialize();
  }

  /** An agent token that lets a shim register instances of one function. */
  public String agentToken(String function, Duration ttl) {
    requireText(function, "function");
    JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().claim(TokenClaims.FUNCTION, function);
    return sign(TokenKind.AGENT, claims, newId(), ttl).serialize();
  }

  /** A single-use ticket to attach to one session; the ttl is capped at 60 s. */
  public IssuedTicket ticket(
      String sessionId, String subject, String function, String instance, Mode mode, Duration ttl) {
    requireText(sessionId, "sessionId");
    requireText(subject, "subject");
    requireText(function, "function");
    requireText(instance, "instance");
    Objects.requireNonNull(mode, "mode");
    Duration capped = ttl.compareTo(AuthConfig.MAX_TICKET_TTL) > 0 ? AuthConfig.MAX_TICKET_TTL : ttl;
    String id = newId();
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .subject(subject)
            .claim(TokenClaims.SESSION, sessionId)
            .claim(TokenClaims.FUNCTION, function)
            .claim(TokenClaims.INSTANCE, instance)
            .claim(TokenClaims.MODE, mode.claim());
    SignedJWT jwt = sign(TokenKind.TICKET, claims, id, capped);
    Instant expiresAt = expiry(jwt);
    return new IssuedTicket(
        jwt.serialize(), new Ticket(id, sessionId, subject, function, instance, mode, expiresAt));
  }

  private SignedJWT sign(TokenKind kind, JWTClaimsSet.Builder claims, String id, Duration ttl) {
    if (ttl == null || ttl.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("a token must live at least 1 s, was " + ttl);
    }
    // JWT times are whole seconds; truncating keeps exp - iat exactly the ttl.
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    JWSHeader header =
        new JWSHeader.Builder(SigningKeys.ALGORITHM).type(kind.type()).keyID(keys.keyId()).build();
    JWTClaimsSet signed =
        claims
            .issuer(issuer)
            .audience(kind.audience())
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plusSeconds(ttl.toSeconds())))
            .jwtID(id)
            .build();
    SignedJWT jwt = new SignedJWT(header, signed);
    try {
      jwt.sign(new ECDSASigner(keys.privateKey()));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign with the relay's key kid=" + keys.keyId(), e);
    }
    return jwt;
  }

  private static Instant expiry(SignedJWT jwt) {
    try {
      return jwt.getJWTClaimsSet().getExpirationTime().toInstant();
    } catch (ParseException e) {
      throw new IllegalStateException("a ticket just signed has unreadable claims", e);
    }
  }

  private static String newId() {
    return UUID.randomUUID().toString();
  }

  private static void requireText(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " is required");
    }
  }
}
