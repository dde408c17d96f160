package dev.tether.relay.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tether.protocol.TokenClaims;
import dev.tether.relay.config.ExternalIssuer;
import dev.tether.relay.config.RelayConfig;
import dev.tether.relay.http.Json;
import dev.tether.relay.testing.TestRelay;
import dev.tether.testkit.tunnel.FakeShim;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sessions belong to issuer and subject: "alice" from a trusted identity provider is not the
 * "alice" the relay minted a token for, and may neither read nor end her session.
 */
@Timeout(60)
class SessionOwnershipTest {
  private static final String IDP = "https://idp.example";
  private static final String AUDIENCE = "tether-relay";

  @TempDir static Path dataDir;
  private static RSAKey idpKey;
  private static TestRelay relay;
  private static FakeShim orders;

  @BeforeAll
  static void start() throws Exception {
    idpKey = new RSAKeyGenerator(2048).keyID("idp-1").generate();
    Path jwks = dataDir.resolve("idp-jwks.json");
    Files.writeString(jwks, new JWKSet(idpKey.toPublicJWK()).toString());
    relay = TestRelay.start(RelayConfig.builder().port(0).dataDir(dataDir.resolve("relay"))
        .externalIssuer(new ExternalIssuer(IDP, AUDIENCE, jwks.toUri())));
    orders = FakeShim.register(relay.agentUri(), relay.agentToken("orders"), "orders", "i-1");
  }

  @AfterAll
  static void stop() {
    if (orders != null) {
      orders.close();
    }
    if (relay != null) {
      relay.close();
    }
  }

  @Test
  void theSameSubjectFromAnotherIssuerCannotReadOrEndTheSession() throws Exception {
    String relayAlice = relay.userToken("alice", "orders");
    String idpAlice = idpToken("alice", "developer");
    HttpResponse<String> created =
        relay.call("POST", "/api/sessions", relayAlice, "{\"function\":\"orders\"}");
    assertThat(created.statusCode()).isEqualTo(201);
    String path = "/api/sessions/" + json(created).path("sessionId").asText();

    HttpResponse<String> read = relay.call("GET", path, idpAlice, null);
    HttpResponse<String> ended = relay.call("DELETE", path, idpAlice, null);

    assertThat(read.statusCode()).isEqualTo(403);
    assertThat(json(read).path("error").asText()).isEqualTo("not_your_session");
    assertThat(read.body()).doesNotContain("webSocketDebuggerUrl");
    assertThat(ended.statusCode()).isEqualTo(403);
    HttpResponse<String> owner = relay.call("GET", path, relayAlice, null);
    assertThat(owner.statusCode()).isEqualTo(200);
    assertThat(json(owner).path("state").asText()).isEqualTo("requested");
    assertThat(json(owner).path("issuer").asText()).isEqualTo(relay.relay().publicUrl().toString());
  }

  @Test
  void theIdentityProvidersUserOwnsTheirOwnSessionAndAdminsSeeBothIssuerAndSubject()
      throws Exception {
    HttpResponse<String> created = relay.call("POST", "/api/sessions",
        idpToken("alice", "developer"), "{\"function\":\"orders\"}");
    assertThat(created.statusCode()).isEqualTo(201);
    String id = json(created).path("sessionId").asText();

    assertThat(relay.call("GET", "/api/sessions/" + id, relay.userToken("alice", "orders"), null)
        .statusCode()).isEqualTo(403);
    JsonNode live = json(relay.call("GET", "/api/admin/sessions", relay.adminToken("root"), null));
    JsonNode mine = null;
    for (JsonNode session : live) {
      if (session.path("sessionId").asText().equals(id)) {
        mine = session;
      }
    }
    assertThat(mine).isNotNull();
    assertThat(mine.path("user").asText()).isEqualTo("alice");
    assertThat(mine.path("issuer").asText()).isEqualTo(IDP);
    assertThat(relay.call("DELETE", "/api/sessions/" + id, idpToken("alice", "developer"), null)
        .statusCode()).isEqualTo(200);
  }

  private static String idpToken(String subject, String role) throws Exception {
    Instant now = Instant.now();
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .issuer(IDP).audience(AUDIENCE).subject(subject)
        .claim(TokenClaims.ROLE, role).claim(TokenClaims.FUNCTIONS, List.of("orders"))
        .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(3600)))
        .jwtID(UUID.randomUUID().toString()).build();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("idp-1")
        .type(JOSEObjectType.JWT).build(), claims);
    jwt.sign(new RSASSASigner(idpKey));
    return jwt.serialize();
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return Json.MAPPER.readTree(response.body());
  }
}
