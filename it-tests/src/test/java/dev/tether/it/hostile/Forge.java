package dev.tether.it.hostile;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.tether.protocol.TokenClaims;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;

/**
 * Hand-made tokens against a running relay: well-formed ones with chosen claims signed by the
 * relay's own key (read from its data directory, as an insider could), and hostile ones.
 */
final class Forge {
  private final ECKey key;
  private final String issuer;

  Forge(Path dataDir, String issuer) throws Exception {
    this.key = ECKey.parse(Files.readString(dataDir.resolve("keys/signing-key.jwk.json")));
    this.issuer = issuer;
  }

  String keyId() {
    return key.getKeyID();
  }

  JWTClaimsSet.Builder user(String subject, List<String> functions) {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder()
        .issuer(issuer).audience(TokenClaims.AUD_USER).subject(subject)
        .claim(TokenClaims.ROLE, "developer").claim(TokenClaims.FUNCTIONS, functions)
        .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(3600)))
        .jwtID(UUID.randomUUID().toString());
  }

  JWTClaimsSet.Builder agent(String function) {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder()
        .issuer(issuer).audience(TokenClaims.AUD_AGENT).subject("agent:" + function)
        .claim(TokenClaims.FUNCTION, function)
        .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(3600)))
        .jwtID(UUID.randomUUID().toString());
  }

  /** Signed with the relay's key and kid. */
  String signed(String typ, JWTClaimsSet claims) {
    return sign(header(typ).build(), claims.toString(), ecSigner());
  }

  JWSHeader.Builder header(String typ) {
    return new JWSHeader.Builder(JWSAlgorithm.ES256).type(new JOSEObjectType(typ)).keyID(keyId());
  }

  String signedWith(JWSHeader header, String payloadJson) {
    return sign(header, payloadJson, ecSigner());
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

  private ECDSASigner ecSigner() {
    try {
      return new ECDSASigner(key);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  static String b64(String text) {
    return Base64URL.encode(text.getBytes(StandardCharsets.UTF_8)).toString();
  }
}
