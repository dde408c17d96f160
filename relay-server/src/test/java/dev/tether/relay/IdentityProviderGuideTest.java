package dev.tether.relay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import dev.tether.relay.config.RelayConfigFile;
import dev.tether.relay.testing.TestRelay;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * README's identity-provider section as a reader applies it: its config file, with only the JWKS
 * location pointed at a key of the test's, and a token with its example claims.
 */
@Timeout(30)
class IdentityProviderGuideTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SECTION = Pattern.compile(
      "### Tokens from your identity provider \\(JWKS\\)(.*?)\\n#", Pattern.DOTALL);
  private static final Pattern JSON_BLOCK = Pattern.compile("```json\\n(.*?)```", Pattern.DOTALL);

  @TempDir Path dir;

  @Test
  void aTokenWithTheExampleClaimsFromTheConfiguredProviderIsAccepted() throws Exception {
    String section = section();
    Matcher blocks = JSON_BLOCK.matcher(section);
    assertThat(blocks.find()).as("the config block").isTrue();
    ObjectNode config = (ObjectNode) JSON.readTree(blocks.group(1));
    assertThat(blocks.find()).as("the example claims").isTrue();
    ObjectNode claims = (ObjectNode) JSON.readTree(blocks.group(1));

    RSAKey key = new RSAKeyGenerator(2048).keyID("idp-2026").generate();
    Path jwks = dir.resolve("idp-jwks.json");
    Files.writeString(jwks, new JWKSet(key.toPublicJWK()).toString());
    ((ObjectNode) config.get("externalIssuer")).put("jwks", jwks.toUri().toString());
    Path configFile = dir.resolve("relay.json");
    Files.writeString(configFile, config.toString());

    claims.put("exp", Instant.now().plusSeconds(600).getEpochSecond());
    try (TestRelay relay = TestRelay.start(
        RelayConfigFile.load(configFile).port(0).dataDir(dir.resolve("data")))) {
      var functions = relay.call("GET", "/api/functions", sign(key, claims), null);
      assertThat(functions.statusCode()).as(functions.body()).isEqualTo(200);

      // "mind the trailing slash": the issuer is compared exactly.
      String issuer = claims.get("iss").asText();
      claims.put("iss", issuer.substring(0, issuer.length() - 1));
      assertThat(relay.call("GET", "/api/functions", sign(key, claims), null).statusCode())
          .isEqualTo(401);
    }
  }

  private static String sign(RSAKey key, ObjectNode claims) throws Exception {
    JWSObject jws = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.RS256)
        .keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(), new Payload(claims.toString()));
    jws.sign(new RSASSASigner(key));
    return jws.serialize();
  }

  private static String section() throws Exception {
    Path readme = Path.of("..", "README.md");
    Matcher section = SECTION.matcher(Files.readString(readme));
    assertThat(section.find()).as("README.md has the identity-provider section").isTrue();
    return section.group(1);
  }
}
