package dev.tether.testkit.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.SignedJWT;
import dev.tether.protocol.TokenClaims;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenForgeTest {
  private static final Instant NOW = Instant.parse("2026-11-30T01:00:00Z");

  @Test
  void aForgedUserTokenIsSignedByTheKeyWithItsKidAndCarriesTheChosenClaims() throws Exception {
    ECKey key = new ECKeyGenerator(Curve.P_256).keyID("k-1").generate();
    TokenForge forge = new TokenForge(key, "https://relay.test", Clock.fixed(NOW, ZoneOffset.UTC));

    SignedJWT jwt = SignedJWT.parse(
        forge.signed("tether-user+jwt", forge.user("bob", List.of("billing")).build()));

    assertThat(jwt.verify(new ECDSAVerifier(key.toPublicJWK()))).isTrue();
    assertThat(jwt.getHeader().getKeyID()).isEqualTo("k-1");
    assertThat(jwt.getHeader().getType().getType()).isEqualTo("tether-user+jwt");
    assertThat(jwt.getJWTClaimsSet().getSubject()).isEqualTo("bob");
    assertThat(jwt.getJWTClaimsSet().getAudience()).containsExactly(TokenClaims.AUD_USER);
    assertThat(jwt.getJWTClaimsSet().getExpirationTime().toInstant())
        .isEqualTo(NOW.plusSeconds(3600));
  }

  @Test
  void aForgeReadsTheRelaysKeyFromItsDataDirectory(@TempDir Path dataDir) throws Exception {
    ECKey key = new ECKeyGenerator(Curve.P_256).keyID("disk").generate();
    Files.createDirectories(dataDir.resolve("keys"));
    Files.writeString(dataDir.resolve(TokenForge.KEY_FILE), key.toJSONString());

    TokenForge forge = TokenForge.fromDataDir(dataDir, "https://relay.test");
    String token = forge.signed("tether-agent+jwt", forge.agent("orders").build());

    assertThat(forge.keyId()).isEqualTo("disk");
    assertThat(JWSObject.parse(token).verify(new ECDSAVerifier(key.toPublicJWK()))).isTrue();
  }

  @Test
  void rawTokensAreThreeBase64UrlPartsOfWhateverTheTestWrote() {
    assertThat(TokenForge.raw("{\"alg\":\"none\"}", "{}", "")).isEqualTo("eyJhbGciOiJub25lIn0.e30.");
    assertThat(TokenForge.nested(3)).isEqualTo("[[[]]]");
  }
}
