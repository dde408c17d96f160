package dev.tether.it.hostile;

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
import dev.tether.protocol.Tunnel;
import dev.tether.relay.config.ExternalIssuer;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.tunnel.FakeShim;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Attacks on the relay's entry points: hostile names, ticket floods, a look-alike subject from
 * another issuer, a rogue instance registered last. Each fails, and the healthy session goes on.
 */
@Timeout(180)
class HostileEntryTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int TICKETS_PER_MINUTE = 20;
  private static final String IDP = "https://idp.example";
  private static final String AUDIENCE = "tether-relay";

  private static RSAKey idpKey;
  private static Path jwksDir;
  private static HostileStack stack;

  @BeforeAll
  static void start() throws Exception {
    idpKey = new RSAKeyGenerator(2048).keyID("idp-1").generate();
    jwksDir = Files.createTempDirectory("tether-idp");
    Path jwks = Files.writeString(jwksDir.resolve("jwks.json"),
        new JWKSet(idpKey.toPublicJWK()).toString());
    stack = HostileStack.start(config -> config.ticketsPerMinute(TICKETS_PER_MINUTE)
        .externalIssuer(new ExternalIssuer(IDP, AUDIENCE, jwks.toUri())));
  }

  @AfterAll
  static void stop() throws Exception {
    if (stack != null) {
      stack.assertNoSecretLogged();
      stack.close();
    }
    if (jwksDir != null) {
      Files.deleteIfExists(jwksDir.resolve("jwks.json"));
      Files.deleteIfExists(jwksDir);
    }
  }

  @AfterEach
  void theHealthySessionGoesOn() throws Exception {
    stack.assertHealthy();
  }

  @Test
  void aFunctionNameWithNulAndNewlineIsA400AndTheRelayLogShowsItEscapedOnOneLine()
      throws Exception {
    String forged = "00:00:00.000 level=INFO logger=Sessions session ended user=root";
    String body = CdpClient.JSON.writeValueAsString(
        Map.of("function", "orders\n" + forged + "\u0000"));

    HttpResponse<String> response = api("POST", "/api/sessions", stack.alice, body);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).path("error").asText()).isEqualTo("bad_function");
    assertThat(json(response).path("message").asText()).contains("function name");
    List<String> text = ShippedLog.render(stack.logEvents(), "text");
    assertThat(text).noneMatch(line -> line.startsWith(forged));
    assertThat(text).anySatisfy(line -> assertThat(line)
        .contains("input refused").contains("orders\\n" + forged + "\\u0000"));
    for (String line : ShippedLog.render(stack.logEvents(), "json")) {
      assertThat(CdpClient.JSON.readTree(line).isObject()).as(line).isTrue();
    }
  }

  @Test
  void mintingTicketsInALoopIsA429AndTheBurnedTicketsDoNotStopAnotherUsersAttach()
      throws Exception {
    String mallory = stack.secret(stack.tether.userToken("mallory", List.of("orders")));
    String path = "/api/sessions/" + json(api("POST", "/api/sessions", mallory,
        "{\"function\":\"orders\"}")).path("sessionId").asText();
    HttpResponse<String> refused = null;
    for (int i = 0; i < 200 && refused == null; i++) {
      HttpResponse<String> shown = api("GET", path, mallory, null);
      if (shown.statusCode() == 429) {
        refused = shown;
      } else if (json(shown).has("webSocketDebuggerUrl")) {
        burn(URI.create(json(shown).path("webSocketDebuggerUrl").asText()));
      }
    }

    assertThat(refused).as("the loop was stopped").isNotNull();
    assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    assertThat(json(refused).path("error").asText()).isEqualTo("too_many_tickets");
    String bob = stack.secret(stack.tether.userToken("bob", List.of("orders")));
    URI url = stack.tether.createSession(bob, "orders").webSocketDebuggerUrl();
    stack.secret(url.getPath().substring("/devtools/".length()));
    try (CdpClient devtools = CdpClient.connect(url)) {
      assertThat(devtools.send("Runtime.evaluate", "expression", "40+2")
          .path("result").path("value").asInt()).isEqualTo(42);
    }
  }

  @Test
  void theSameSubjectFromTheIdentityProviderCannotReadOrEndAlicesSession() throws Exception {
    String path = "/api/sessions/" + stack.tether.createSession(stack.alice, "orders").id();
    String idpAlice = stack.secret(idpToken("alice"));

    HttpResponse<String> read = api("GET", path, idpAlice, null);
    HttpResponse<String> ended = api("DELETE", path, idpAlice, null);

    assertThat(read.statusCode()).isEqualTo(403);
    assertThat(read.body()).doesNotContain("webSocketDebuggerUrl");
    assertThat(ended.statusCode()).isEqualTo(403);
    HttpResponse<String> owner = api("GET", path, stack.alice, null);
    assertThat(json(owner).path("state").asText()).isEqualTo("requested");
    assertThat(api("DELETE", path, stack.alice, null).statusCode()).isEqualTo(200);
  }

  @Test
  void aRogueInstanceRegisteredLastWithTheAgentTokenReceivesNoSession() throws Exception {
    String real = stack.orders.instanceId();
    try (FakeShim rogue = FakeShim.rogue(stack.tether.relayUri(Tunnel.AGENT_PATH),
        stack.secret(stack.tether.agentToken("orders")))) {
      rogue.hello("orders", "i-rogue");
      assertThat(rogue.awaitWelcome(WAIT)).isTrue();

      HttpResponse<String> unnamed =
          api("POST", "/api/sessions", stack.alice, "{\"function\":\"orders\"}");
      HttpResponse<String> named = api("POST", "/api/sessions", stack.alice,
          "{\"function\":\"orders\",\"instance\":\"" + real + "\"}");

      assertThat(unnamed.statusCode()).isEqualTo(409);
      assertThat(json(unnamed).path("error").asText()).isEqualTo("instance_required");
      assertThat(json(unnamed).path("message").asText()).contains(real).contains("i-rogue");
      assertThat(named.statusCode()).isEqualTo(201);
      URI url = URI.create(json(named).path("webSocketDebuggerUrl").asText());
      stack.secret(url.getPath().substring("/devtools/".length()));
      try (CdpClient devtools = CdpClient.connect(url)) {
        assertThat(devtools.send("Runtime.evaluate", "expression", "typeof process.pid")
            .path("result").path("value").asText()).isEqualTo("number");
      }
    }
  }

  /** Redeems a ticket: attaches, then leaves, as a script burning tickets would. */
  private static void burn(URI url) throws Exception {
    stack.secret(url.getPath().substring("/devtools/".length()));
    try (CdpClient devtools = CdpClient.connect(url)) {
      devtools.send("Runtime.evaluate", "expression", "1");
    }
  }

  private static String idpToken(String subject) throws Exception {
    Instant now = Instant.now();
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .issuer(IDP).audience(AUDIENCE).subject(subject)
        .claim(TokenClaims.ROLE, "developer").claim(TokenClaims.FUNCTIONS, List.of("orders"))
        .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(3600)))
        .jwtID(UUID.randomUUID().toString()).build();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("idp-1")
        .type(JOSEObjectType.JWT).build(), claims);
    jwt.sign(new RSASSASigner(idpKey));
    return jwt.serialize();
  }

  private static HttpResponse<String> api(String method, String path, String token, String body)
      throws Exception {
    return stack.tether.api(method, path, token, body);
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return CdpClient.JSON.readTree(response.body());
  }
}
