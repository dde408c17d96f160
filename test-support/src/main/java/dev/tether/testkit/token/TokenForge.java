package dev.tether.testkit.token;

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
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;

/**
 * Hand-made tokens for tests (on Nimbus, so only modules that have Nimbus can use it):
 * well-formed ones with chosen claims signed by a relay's own ES256 key, as an insider could, and
 * hostile ones with any header, payload and signature.
 */
public final class TokenForge {
  /** The issuer tests give a relay they build by hand. */
  public static final String ISSUER = "https://relay.test";
  /** The relay's signing key in its data directory. */
  public static final String KEY_FILE = "keys/signing-key.jwk.json";

  private final ECKey key;
  private final String keyId;
  private final String issuer;
  private final Clock clock;

  /** Forges with this private key (its kid goes into every header) and clock. */
  public TokenForge(ECKey key, String issuer, Clock clock) {
    this.key = key;
    this.keyId = key.getKeyID();
    this.issuer = issuer;
    this.clock = clock;
  }

  /** Forges with the key a relay keeps in {@code dataDir} (see {@link #KEY_FILE}). */
  public static TokenForge fromDataDir(Path dataDir, String issuer)
      throws IOException, ParseException {
    return new TokenForge(ECKey.parse(Files.readString(dataDir.resolve(KEY_FILE))), issuer,
        Clock.systemUTC());
  }

  public String keyId() {
    return keyId;
  }

  public String issuer() {
    return issuer;
  }

  /** The claims a good user token of ada for {@code orders-*} carries, valid for an hour. */
  public JWTClaimsSet.Builder userClaims() {
    return user("ada", List.of("orders-*"));
  }

  /** The claims a good developer token carries, valid for an hour from now. */
  public JWTClaimsSet.Builder user(String subject, List<String> functions) {
    Instant now = clock.instant();
    return new JWTClaimsSet.Builder()
        .issuer(issuer).audience(TokenClaims.AUD_USER).subject(subject)
        .claim(TokenClaims.ROLE, "developer").claim(TokenClaims.FUNCTIONS, functions)
        .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(3600)))
        .jwtID(UUID.randomUUID().toString());
  }

  /** The claims a good agent token for {@code function} carries, valid for an hour from now. */
  public JWTClaimsSet.Builder agent(String function) {
    Instant now = clock.instant();
    return new JWTClaimsSet.Builder()
        .issuer(issuer).audience(TokenClaims.AUD_AGENT).subject("agent:" + function)
        .claim(TokenClaims.FUNCTION, function)
        .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(3600)))
        .jwtID(UUID.randomUUID().toString());
  }

  /** The claims a good ticket of ada to orders-api/i-1 carries, valid for 30 s from now. */
  public JWTClaimsSet.Builder ticketClaims() {
    Instant now = clock.instant();
    return new JWTClaimsSet.Builder()
        .issuer(issuer)
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
  public String signed(String typ, JWTClaimsSet claims) {
    return signedWith(header(typ).build(), claims.toString());
  }

  /** ES256 with the relay's kid and the given typ, for a test to change further. */
  public JWSHeader.Builder header(String typ) {
    return new JWSHeader.Builder(JWSAlgorithm.ES256).type(new JOSEObjectType(typ)).keyID(keyId);
  }

  /** Any header and payload, signed by the relay's key. */
  public String signedWith(JWSHeader header, String payloadJson) {
    return sign(header, payloadJson, signer());
  }

  /** A signer with the relay's key. */
  public ECDSASigner signer() {
    return signer(key);
  }

  public static ECDSASigner signer(ECKey key) {
    try {
      return new ECDSASigner(key);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String sign(JWSHeader header, String payloadJson, JWSSigner signer) {
    JWSObject jws = new JWSObject(header, new Payload(payloadJson));
    try {
      jws.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
    return jws.serialize();
  }

  /** Three base64url parts from raw strings, with no regard for whether they make sense. */
  public static String raw(String headerJson, String payloadJson, String signature) {
    return b64(headerJson) + "." + b64(payloadJson) + "." + signature;
  }

  public static String b64(String text) {
    return Base64URL.encode(text.getBytes(StandardCharsets.UTF_8)).toString();
  }

  /** JSON arrays nested {@code depth} deep: {@code [[[…]]]}. */
  public static String nested(int depth) {
    return "[".repeat(depth) + "]".repeat(depth);
  }
}
