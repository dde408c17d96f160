package dev.tether.relay.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.tether.protocol.TokenClaims;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;

/** Hand-made tokens for the tests: well-formed ones with chosen claims, and hostile ones. */
final class TokenForge {
  static final String ISSUER = "https://relay.test";

  private final SigningKeys keys;
  private final Clock clock;

  TokenForge(SigningKeys keys, Clock clock) {
    this.keys = keys;
    this.clock = clock;
  }

  /** The claims a good user token carries, valid for an hour from now. */
  JWTClaimsSet.Builder userClaims() {
    Instant now = clock.instant();
    return new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .audience(TokenClaims.AUD_USER)
        .subject("ada")
        .claim(TokenClaims.ROLE, "developer")
        .claim(TokenClaims.FUNCTIONS, List.of("orders-*"))
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(3600)))
        .jwtID(UUID.randomUUID().toString());
  }

  /** The claims a good ticket carries, valid for 30 s from now. */
  JWTClaimsSet.Builder ticketClaims() {
    Instant now = clock.instant();
    return new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .audience(TokenClaims.AUD_TICKET)
        .subject("ada")
        .claim(TokenClaims.SESSION, "s-1")
        .claim(TokenClaims.FUNCTION, "orders-api")
        .claim(TokenClaims.INSTANCE, "i-1")
        .claim(TokenClaims.MODE, "full")
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(30)))
        .jwtID(UUID.randomUUID().toString());
  }

  /** Signed by the relay's key with its kid and the given typ. */
  String signed(String typ, JWTClaimsSet claims) {
    return sign(header(typ).build(), claims.toString(), signer(keys));
  }

  JWSHeader.Builder header(String typ) {
    return new JWSHeader.Builder(JWSAlgorithm.ES256)
        .type(new JOSEObjectType(typ))
        .keyID(keys.keyId());
  }

  static String sign(JWSHeader header, String payloadJson, JWSSigner signer) {
    JWSObject jws = new JWSObject(header, new Payload(payloadJson));
    try {
      jws.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
    return jws.serialize();
  }

  static ECDSASigner signer(SigningKeys keys) {
    try {
      return new ECDSASigner(keys.privateKey());
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Three base64url parts from raw strings, with no regard for whether they make sense. */
  static String raw(String headerJson, String payloadJson, String signature) {
    return b64(headerJson) + "." + b64(payloadJson) + "." + signature;
  }

  static String b64(String json) {
    return Base64URL.encode(json.getBytes(StandardCharsets.UTF_8)).toString();
  }

  /** JSON arrays nested {@code depth} deep: {@code [[[…]]]}. */
  static String nested(int depth) {
    return "[".repeat(depth) + "]".repeat(depth);
  }
}
