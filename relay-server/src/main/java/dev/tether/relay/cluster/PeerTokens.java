package dev.tether.relay.cluster;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tether.relay.auth.SigningKeys;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;

/**
 * Node-to-node credentials: a short-lived JWT of its own {@code typ} and {@code aud}, signed with
 * the cluster's shared key, naming the calling node. No user, agent or ticket token is ever
 * accepted as one, and a peer token is accepted nowhere else (its {@code typ} is none of the
 * user-facing kinds, so the user token check refuses it).
 */
public final class PeerTokens {
  public static final JOSEObjectType TYPE = new JOSEObjectType("tether-peer+jwt");
  public static final String AUDIENCE = "tether-peer";
  private static final Duration LIFETIME = Duration.ofSeconds(60);
  private static final Duration SKEW = Duration.ofSeconds(30);

  private final SigningKeys keys;
  private final String issuer;
  private final Clock clock;

  public PeerTokens(SigningKeys keys, String issuer, Clock clock) {
    this.keys = keys;
    this.issuer = issuer;
    this.clock = clock;
  }

  /** A fresh token that says "node {@code nodeId} of this cluster is calling". */
  public String mint(String nodeId) {
    Instant now = clock.instant();
    JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(issuer).audience(AUDIENCE)
        .subject(nodeId).issueTime(Date.from(now)).expirationTime(Date.from(now.plus(LIFETIME)))
        .jwtID(UUID.randomUUID().toString()).build();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(TYPE)
        .keyID(keys.keyId()).build(), claims);
    try {
      jwt.sign(keys.signer());
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a peer token", e);
    }
    return jwt.serialize();
  }

  /** The calling node's id; a refusal (wrong kind, key, audience, issuer, expired) otherwise. */
  public String verify(String token) throws PeerRefused {
    if (token == null || token.isBlank() || token.length() > 4096) {
      throw new PeerRefused("no peer token");
    }
    try {
      SignedJWT jwt = SignedJWT.parse(token);
      JWSHeader header = jwt.getHeader();
      if (!TYPE.equals(header.getType())) {
        throw new PeerRefused("not a peer token (typ " + header.getType() + ")");
      }
      if (!JWSAlgorithm.ES256.equals(header.getAlgorithm())
          || !keys.keyId().equals(header.getKeyID())) {
        throw new PeerRefused("signed with another algorithm or key than this cluster's");
      }
      if (!jwt.verify(keys.verifier())) {
        throw new PeerRefused("bad signature");
      }
      JWTClaimsSet claims = jwt.getJWTClaimsSet();
      Instant now = clock.instant();
      if (!List.of(AUDIENCE).equals(claims.getAudience()) || !issuer.equals(claims.getIssuer())) {
        throw new PeerRefused("wrong audience or issuer");
      }
      if (claims.getExpirationTime() == null
          || claims.getExpirationTime().toInstant().plus(SKEW).isBefore(now)
          || claims.getIssueTime() == null
          || claims.getIssueTime().toInstant().minus(SKEW).isAfter(now)) {
        throw new PeerRefused("expired or not yet valid");
      }
      if (claims.getSubject() == null || claims.getSubject().isBlank()) {
        throw new PeerRefused("no calling node");
      }
      return claims.getSubject();
    } catch (ParseException | JOSEException e) {
      throw new PeerRefused("not a signed JWT");
    }
  }

  /** Why a peer token was refused; the token itself is never in the message. */
  public static final class PeerRefused extends Exception {
    public PeerRefused(String message) {
      super(message);
    }
  }
}
