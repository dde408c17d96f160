package dev.tether.it.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.tether.protocol.TokenClaims;
import dev.tether.protocol.Tunnel;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.socket.HandshakeRefused;
import dev.tether.testkit.token.TokenForge;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile tokens at the real endpoints: each is refused with 401 and a JSON reason, and the healthy
 * session, the function and the relay carry on.
 */
@Timeout(120)
class HostileTokensTest {
  private static HostileStack stack;
  private static TokenForge forge;

  @BeforeAll
  static void start() throws Exception {
    stack = HostileStack.start();
    forge = TokenForge.fromDataDir(stack.tether.dataDir(), stack.tether.relay().publicUrl().toString());
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  @AfterEach
  void nothingElseWasHarmed() throws Exception {
    stack.assertHealthy();
  }

  /** Where a token is presented. */
  enum Door { API, AGENT, DEVTOOLS }

  static Stream<Arguments> hostileTokens() {
    return Stream.of(
        token("alg none", Door.API, f -> TokenForge.b64("{\"alg\":\"none\",\"typ\":\""
            + TokenClaims.TYP_USER + "\",\"kid\":\"" + f.keyId() + "\"}") + "."
            + TokenForge.b64(f.user("mallory", List.of("*")).build().toString()) + "."),
        token("HS256 signed with the relay's published public key", Door.API, f -> {
          try {
            JWKSet jwks = JWKSet.parse(stack.tether.api("GET", "/.well-known/jwks.json", null, null)
                .body());
            byte[] publicKey = ((ECKey) jwks.getKeys().get(0)).toECPublicKey().getEncoded();
            return TokenForge.sign(new JWSHeader.Builder(JWSAlgorithm.HS256)
                    .type(new JOSEObjectType(TokenClaims.TYP_USER)).keyID(f.keyId()).build(),
                f.user("mallory", List.of("*")).build().toString(), new MACSigner(publicKey));
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }),
        token("an agent token as a user token", Door.API,
            f -> stack.tether.agentToken("orders")),
        token("a user token at /agent", Door.AGENT, f -> stack.alice),
        token("a ticket as a bearer token", Door.API, f -> {
          try {
            URI url = stack.tether.openSession(stack.alice, "orders");
            return url.getPath().substring("/devtools/".length());
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }),
        token("a user token as a ticket", Door.DEVTOOLS, f -> stack.alice),
        token("an agent-typed token with the user audience", Door.API, f ->
            f.signed(TokenClaims.TYP_AGENT, f.user("mallory", List.of("orders")).build())),
        token("a user-typed token with the agent audience", Door.AGENT, f ->
            f.signed(TokenClaims.TYP_USER, f.agent("orders").build())),
        token("no exp", Door.API, f ->
            f.signed(TokenClaims.TYP_USER, f.user("m", List.of("orders")).expirationTime(null).build())),
        token("no iat", Door.API, f ->
            f.signed(TokenClaims.TYP_USER, f.user("m", List.of("orders")).issueTime(null).build())),
        token("no jti", Door.API, f ->
            f.signed(TokenClaims.TYP_USER, f.user("m", List.of("orders")).jwtID(null).build())),
        token("expired 31 s ago (beyond the 30 s skew)", Door.API, f ->
            f.signed(TokenClaims.TYP_USER, f.user("m", List.of("orders"))
                .issueTime(Date.from(Instant.now().minusSeconds(3600)))
                .expirationTime(Date.from(Instant.now().minusSeconds(31))).build())),
        // 32 s, not 31: JWT times are whole seconds, so "now + 31 s" truncated can land within
        // the 30 s skew of the relay's clock a moment later (seen as a flaky 200).
        token("not valid for another 32 s", Door.API, f ->
            f.signed(TokenClaims.TYP_USER, f.user("m", List.of("orders"))
                .notBeforeTime(Date.from(Instant.now().plusSeconds(32))).build())),
        token("issued 32 s in the future", Door.API, f ->
            f.signed(TokenClaims.TYP_USER, f.user("m", List.of("orders"))
                .issueTime(Date.from(Instant.now().plusSeconds(32))).build())),
        token("self-granted admin role and every function", Door.API, f -> {
          String[] parts = stack.alice.split("\\.");
          JWTClaimsSet.Builder claims = f.user("alice", List.of("*")).claim(TokenClaims.ROLE, "admin");
          return parts[0] + "." + TokenForge.b64(claims.build().toString()) + "." + parts[2];
        }),
        token("kid with a path", Door.API, f -> f.signedWith(
            f.header(TokenClaims.TYP_USER).keyID("../../../../etc/passwd").build(),
            f.user("m", List.of("orders")).build().toString())),
        token("kid with SQL", Door.API, f -> f.signedWith(
            f.header(TokenClaims.TYP_USER).keyID("x' OR '1'='1' --").build(),
            f.user("m", List.of("orders")).build().toString())),
        token("unknown kid", Door.API, f -> f.signedWith(
            f.header(TokenClaims.TYP_USER).keyID("no-such-key").build(),
            f.user("m", List.of("orders")).build().toString())),
        token("deeply nested claims", Door.API, f -> f.signedWith(
            f.header(TokenClaims.TYP_USER).build(),
            "{\"iss\":\"x\",\"deep\":" + "[".repeat(2_500) + "]".repeat(2_500) + "}")),
        token("deeply nested header", Door.API, f -> TokenForge.b64("{\"alg\":\"ES256\",\"x\":"
            + "{\"a\":".repeat(700) + "1" + "}".repeat(700) + "}") + "."
            + TokenForge.b64("{}") + ".c2ln"),
        token("an agent token at /devtools", Door.DEVTOOLS,
            f -> stack.tether.agentToken("orders")),
        token("garbage", Door.API, f -> "not.a.token"));
  }

  private static Arguments token(String name, Door door, Function<TokenForge, String> make) {
    return Arguments.of(name, door, make);
  }

  @ParameterizedTest(name = "{0} at {1} is refused with 401")
  @MethodSource("hostileTokens")
  void aHostileTokenIsRefusedWith401AndAReason(
      String name, Door door, Function<TokenForge, String> make) throws Exception {
    String token = stack.secret(make.apply(forge));

    Refusal refusal = present(door, token);

    assertThat(refusal.status()).as(name).isEqualTo(401);
    JsonNode body = CdpClient.JSON.readTree(refusal.body());
    assertThat(body.path("error").asText()).as(name).isNotBlank();
    assertThat(body.path("message").asText()).as(name).isNotBlank().doesNotContain(token);
  }

  @Test
  void aTokenTooLargeForAnHttpHeaderIsRefusedWith431AndAJsonReason() throws Exception {
    String token = stack.secret(forge.signedWith(forge.header(TokenClaims.TYP_USER).build(),
        "{\"deep\":" + "[".repeat(20_000) + "]".repeat(20_000) + "}"));

    HttpResponse<String> response = stack.tether.api("GET", "/api/functions", token, null);

    assertThat(response.statusCode()).isEqualTo(431);
    assertThat(CdpClient.JSON.readTree(response.body()).path("message").asText()).isNotBlank();
  }

  @Test
  void aTokenWithinTheClockSkewIsStillAccepted() throws Exception {
    String token = stack.secret(forge.signed(TokenClaims.TYP_USER, forge.user("m", List.of("orders"))
        .issueTime(Date.from(Instant.now().minusSeconds(3600)))
        .expirationTime(Date.from(Instant.now().minusSeconds(10))).build()));

    assertThat(stack.tether.api("GET", "/api/functions", token, null).statusCode()).isEqualTo(200);
  }

  @Test
  void aReplayedTicketIsRefusedAfterItsSessionWasAttached() throws Exception {
    URI url = stack.tether.openSession(stack.alice, "orders");
    stack.secret(url.getPath().substring("/devtools/".length()));
    try (CdpClient first = CdpClient.connect(url)) {
      first.send("Runtime.evaluate", "expression", "1");
    }

    assertThatThrownBy(() -> CdpClient.connect(url))
        .isInstanceOfSatisfying(HandshakeRefused.class, refused -> {
          assertThat(refused.status).isEqualTo(401);
          assertThat(refused.body).contains("already");
        });
  }

  @Test
  void aSelfGrantedFunctionInAGenuinelySignedTokenOfAnotherUserIsNotEnough() throws Exception {
    String bob = stack.secret(stack.tether.userToken("bob", List.of("billing")));

    HttpResponse<String> response =
        stack.tether.api("POST", "/api/sessions", bob, "{\"function\":\"orders\"}");

    assertThat(response.statusCode()).isEqualTo(403);
  }

  @Test
  void aUserWithoutTheFullModeGrantIsRefused403ForAFullSession() throws Exception {
    String viewer = stack.secret(stack.tether.relay().tokenIssuer().userToken("vera",
        dev.tether.relay.auth.Role.DEVELOPER, List.of("orders"),
        java.util.EnumSet.of(dev.tether.relay.auth.Mode.READONLY), Duration.ofHours(1)));

    HttpResponse<String> full = stack.tether.api("POST", "/api/sessions", viewer,
        "{\"function\":\"orders\",\"mode\":\"full\"}");
    HttpResponse<String> byDefault = stack.tether.api("POST", "/api/sessions", viewer,
        "{\"function\":\"orders\"}");

    assertThat(full.statusCode()).isEqualTo(403);
    assertThat(CdpClient.JSON.readTree(full.body()).path("error").asText())
        .isEqualTo("mode_not_granted");
    assertThat(byDefault.statusCode()).isEqualTo(201);
    assertThat(CdpClient.JSON.readTree(byDefault.body()).path("mode").asText())
        .isEqualTo("readonly");
  }

  private record Refusal(int status, String body) {}

  private static Refusal present(Door door, String token) throws Exception {
    switch (door) {
      case API -> {
        HttpResponse<String> response = stack.tether.api("GET", "/api/functions", token, null);
        return new Refusal(response.statusCode(), response.body());
      }
      case AGENT -> {
        try (RawWebSocket socket = RawWebSocket.connect(stack.tether.relayUri(Tunnel.AGENT_PATH),
            Map.of("Authorization", "Bearer " + token, "Sec-WebSocket-Protocol",
                Tunnel.SUBPROTOCOL), 0)) {
          return new Refusal(socket.status, socket.body());
        }
      }
      default -> {
        try (CdpClient client = CdpClient.connect(stack.tether.relayUri("/devtools/" + token))) {
          throw new AssertionError("the upgrade was accepted");
        } catch (HandshakeRefused refused) {
          return new Refusal(refused.status, refused.body);
        }
      }
    }
  }
}
