package dev.tether.relay.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.tether.protocol.TokenClaims;
import dev.tether.relay.config.ExternalIssuer;
import dev.tether.testkit.clock.MutableClock;
import dev.tether.testkit.token.TokenForge;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExternalIssuerTest {
  private static final String IDP = "https://idp.example";
  private static final String AUDIENCE = "tether-relay";

  @TempDir Path dir;
  private final MutableClock clock = MutableClock.atSomeMonday();
  private final SigningKeys relayKeys = SigningKeys.generate();
  private RSAKey rsa;
  private ECKey ec;
  private OctetSequenceKey hmac;
  private KeyPair ed25519;
  private OctetKeyPair ed25519Jwk;
  private Path jwksFile;
  private TokenVerifier verifier;

  @BeforeEach
  void publishTheIdentityProvidersKeys() throws Exception {
    rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
    ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
    hmac = new OctetSequenceKeyGenerator(256).keyID("hmac-1").generate();
    ed25519 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    byte[] encoded = ed25519.getPublic().getEncoded();
    byte[] x = Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
    ed25519Jwk = new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).keyID("ed-1").build();
    jwksFile = dir.resolve("jwks.json");
    // The file holds private and symmetric keys too: the relay must use only the public ones.
    Files.writeString(jwksFile, new JWKSet(List.of(rsa, ec, hmac, ed25519Jwk)).toString(false));
    verifier = verifierTrusting(jwksFile);
  }

  private TokenVerifier verifierTrusting(Path jwks) {
    ExternalIssuer idp = new ExternalIssuer(IDP, AUDIENCE, jwks.toUri());
    AuthConfig config = new AuthConfig(TokenForge.ISSUER, null, null, Optional.of(idp));
    return new TokenVerifier(config, relayKeys, new TicketReplayCache(clock), clock);
  }

  private JWTClaimsSet.Builder claims() {
    return new JWTClaimsSet.Builder()
        .issuer(IDP)
        .audience(AUDIENCE)
        .subject("grace@example.com")
        .claim(TokenClaims.ROLE, "admin")
        .claim(TokenClaims.FUNCTIONS, List.of("*"))
        .issueTime(Date.from(clock.instant()))
        .expirationTime(Date.from(clock.instant().plusSeconds(3600)));
  }

  private static String sign(JWSAlgorithm alg, String kid, String typ, JWTClaimsSet claims, JWSSigner signer) {
    JWSHeader.Builder header = new JWSHeader.Builder(alg).keyID(kid);
    if (typ != null) {
      header.type(new JOSEObjectType(typ));
    }
    return TokenForge.sign(header.build(), claims.toString(), signer);
  }

  private String rs256(JWTClaimsSet claims) throws Exception {
    return sign(JWSAlgorithm.RS256, "rsa-1", "JWT", claims, new RSASSASigner(rsa));
  }

  private String ed25519Token(JWTClaimsSet claims) throws Exception {
    String input = TokenForge.b64("{\"alg\":\"EdDSA\",\"kid\":\"ed-1\"}") + "." + TokenForge.b64(claims.toString());
    Signature signature = Signature.getInstance("Ed25519");
    signature.initSign(ed25519.getPrivate());
    signature.update(input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + Base64URL.encode(signature.sign());
  }

  private static String refusalCode(ThrowingVerification verification) {
    Throwable thrown = catchThrowable(verification::run);
    assertThat(thrown).isInstanceOf(AuthException.class);
    assertThat(((AuthException) thrown).status()).isEqualTo(401);
    return ((AuthException) thrown).code();
  }

  private interface ThrowingVerification {
    void run() throws Exception;
  }

  @Test
  void anRs256TokenFromTheIdentityProviderIsAUser() throws Exception {
    UserPrincipal user = verifier.verifyUser(rs256(claims().build()));

    assertThat(user.subject()).isEqualTo("grace@example.com");
    assertThat(user.role()).isEqualTo(Role.ADMIN);
    assertThat(user.functions()).containsExactly("*");
  }

  @Test
  void ps256Es256AndEdDsaTokensAreAcceptedWithTheirKeyTypes() throws Exception {
    String ps256 = sign(JWSAlgorithm.PS256, "rsa-1", null, claims().build(), new RSASSASigner(rsa));
    String es256 = sign(JWSAlgorithm.ES256, "ec-1", "at+jwt", claims().build(), new ECDSASigner(ec));

    assertThat(verifier.verifyUser(ps256).subject()).isEqualTo("grace@example.com");
    assertThat(verifier.verifyUser(es256).subject()).isEqualTo("grace@example.com");
    assertThat(verifier.verifyUser(ed25519Token(claims().build())).subject())
        .isEqualTo("grace@example.com");
  }

  @Test
  void aTokenForSeveralAudiencesIncludingOursIsAccepted() throws Exception {
    String token = rs256(claims().audience(List.of("other-app", AUDIENCE)).build());

    assertThat(verifier.verifyUser(token).role()).isEqualTo(Role.ADMIN);
  }

  @Test
  void anAlgorithmThatDoesNotFitTheKeyTypeIsRefused() throws Exception {
    String rsaSignedClaimingEc = sign(JWSAlgorithm.RS256, "ec-1", "JWT", claims().build(), new RSASSASigner(rsa));
    String rs512 = sign(JWSAlgorithm.RS512, "rsa-1", "JWT", claims().build(), new RSASSASigner(rsa));

    assertThat(refusalCode(() -> verifier.verifyUser(rsaSignedClaimingEc))).isEqualTo("invalid_token");
    assertThat(refusalCode(() -> verifier.verifyUser(rs512))).isEqualTo("invalid_token");
  }

  @Test
  void anHmacTokenIsRefusedEvenWhenTheJwksHoldsItsSecret() throws Exception {
    String token = sign(JWSAlgorithm.HS256, "hmac-1", "JWT", claims().build(), new MACSigner(hmac));

    assertThat(refusalCode(() -> verifier.verifyUser(token))).isEqualTo("invalid_token");
  }

  @Test
  void aTokenForAnotherAudienceOrFromAnotherIssuerIsRefused() throws Exception {
    String otherAudience = rs256(claims().audience("another-app").build());
    String otherIssuer = rs256(claims().issuer("https://evil.example").build());

    assertThat(refusalCode(() -> verifier.verifyUser(otherAudience))).isEqualTo("invalid_token");
    assertThat(refusalCode(() -> verifier.verifyUser(otherIssuer))).isEqualTo("invalid_token");
  }

  @Test
  void aTokenWithoutRoleOrFunctionsIsRefused() throws Exception {
    String noRole = rs256(claims().claim(TokenClaims.ROLE, null).build());
    String noFunctions = rs256(claims().claim(TokenClaims.FUNCTIONS, null).build());

    assertThat(refusalCode(() -> verifier.verifyUser(noRole))).isEqualTo("invalid_token");
    assertThat(refusalCode(() -> verifier.verifyUser(noFunctions))).isEqualTo("invalid_token");
  }

  @Test
  void anExpiredIdentityProviderTokenIsRefusedAsExpired() throws Exception {
    String token = rs256(claims().build());
    clock.advance(Duration.ofHours(2));

    assertThat(refusalCode(() -> verifier.verifyUser(token))).isEqualTo("expired_token");
  }

  @Test
  void theIdentityProvidersKeyCannotSignTetherKindsOfToken() throws Exception {
    String asRelayUser = sign(JWSAlgorithm.RS256, "rsa-1", TokenClaims.TYP_USER, claims().build(), new RSASSASigner(rsa));
    String asAgent = sign(JWSAlgorithm.RS256, "rsa-1", TokenClaims.TYP_AGENT, claims().build(), new RSASSASigner(rsa));

    assertThat(refusalCode(() -> verifier.verifyUser(asRelayUser))).isEqualTo("invalid_token");
    assertThat(refusalCode(() -> verifier.verifyUser(asAgent))).isEqualTo("wrong_token_kind");
    assertThat(refusalCode(() -> verifier.verifyAgent(asAgent))).isEqualTo("invalid_token");
  }

  @Test
  void anUnexpectedTypIsRefused() throws Exception {
    String token = sign(JWSAlgorithm.RS256, "rsa-1", "JOSE", claims().build(), new RSASSASigner(rsa));

    assertThat(refusalCode(() -> verifier.verifyUser(token))).isEqualTo("invalid_token");
  }

  @Test
  void aKeyOutsideTheJwksUsingAKnownKidIsRefused() throws Exception {
    ECKey impostor = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
    String token = sign(JWSAlgorithm.ES256, "ec-1", "JWT", claims().build(), new ECDSASigner(impostor));

    assertThat(refusalCode(() -> verifier.verifyUser(token))).isEqualTo("invalid_token");
  }

  @Test
  void withoutAnIdentityProviderOnlyRelayUserTokensAreAccepted() throws Exception {
    TokenVerifier relayOnly =
        new TokenVerifier(AuthConfig.defaults(TokenForge.ISSUER), relayKeys, new TicketReplayCache(clock), clock);
    String token = rs256(claims().build());

    assertThat(refusalCode(() -> relayOnly.verifyUser(token))).isEqualTo("invalid_token");
  }

  @Test
  void anUnreadableJwksFileStopsTheStartWithAClearMessage() throws Exception {
    Path broken = dir.resolve("broken.json");
    Files.writeString(broken, "{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}]}");

    assertThatThrownBy(() -> verifierTrusting(dir.resolve("absent.json")))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("JWKS file");
    assertThatThrownBy(() -> verifierTrusting(broken))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("JWKS file")
        .hasMessageNotContaining("c2VjcmV0");
  }
}
