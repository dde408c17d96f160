package dev.tether.relay.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.io.IOException;
import java.text.ParseException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Checks seals against the relay's public keys (its JWK set): ES256 only, the seal {@code typ},
 * a known {@code kid}, a valid signature and a well-formed payload. Anything else is refused with
 * the reason, so {@code audit verify} can say why it no longer vouches for a record.
 */
public final class SealVerifier {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final JWKSet keys;

  public SealVerifier(JWKSet keys) {
    this.keys = keys.toPublicJWKSet();
  }

  /** Keys from a JWK set document such as the relay's {@code /.well-known/jwks.json}. */
  public static SealVerifier fromJwkSet(String json) throws IOException {
    try {
      return new SealVerifier(JWKSet.parse(json));
    } catch (ParseException e) {
      throw new IOException("not a JWK set (" + e.getMessage() + ")");
    }
  }

  /** A seal that is not the relay's: why. */
  public static final class Refused extends Exception {
    Refused(String message) {
      super(message);
    }
  }

  /** The seal in {@code jws} when the relay's key signed it; otherwise {@link Refused}. */
  public AuditSeal read(String jws) throws Refused {
    JWSObject object = parse(jws);
    String kid = object.getHeader().getKeyID();
    JWK key = kid == null ? null : keys.getKeyByKeyId(kid);
    if (!(key instanceof ECKey ec)) {
      throw new Refused("is signed with a key the relay does not have (kid " + kid + ")");
    }
    try {
      if (!object.verify(new ECDSAVerifier(ec))) {
        throw new Refused("has a signature that the relay's key did not make");
      }
    } catch (JOSEException e) {
      throw new Refused("cannot be checked with key " + kid + " (" + e.getMessage() + ")");
    }
    return payload(object, jws);
  }

  /**
   * What {@code jws} claims, without checking its signature (that costs a millisecond, and a
   * trail has a seal per batch): for finding where a trail and its seals part, never for
   * vouching. Refused only when it is not a seal at all.
   */
  public static AuditSeal peek(String jws) throws Refused {
    return payload(parse(jws), jws);
  }

  private static JWSObject parse(String jws) throws Refused {
    JWSObject object;
    try {
      object = JWSObject.parse(jws.strip());
    } catch (ParseException e) {
      throw new Refused("is not a signed seal (not a compact JWS)");
    }
    if (!JWSAlgorithm.ES256.equals(object.getHeader().getAlgorithm())
        || !SealSigner.TYPE.equals(object.getHeader().getType())) {
      throw new Refused("is not an ES256 audit seal (alg " + object.getHeader().getAlgorithm()
          + ", typ " + object.getHeader().getType() + ")");
    }
    return object;
  }

  private static AuditSeal payload(JWSObject object, String jws) throws Refused {
    try {
      JsonNode payload = JSON.readTree(object.getPayload().toString());
      if (!payload.path("seq").canConvertToLong() || !payload.path("hash").isTextual()) {
        throw new Refused("is signed but has no seq and hash");
      }
      return new AuditSeal(payload.get("seq").asLong(), payload.get("hash").asText(),
          Instant.parse(payload.path("signedAt").asText()), object.getHeader().getKeyID(),
          jws.strip());
    } catch (IOException | DateTimeParseException e) {
      throw new Refused("is signed but its payload is not a seal");
    }
  }
}
