package dev.tether.relay.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.Base64URL;
import dev.tether.testkit.clock.MutableClock;
import dev.tether.testkit.token.TokenForge;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Remembering verified agent tokens must never let through what the full check refuses: an
 * expired token, a token whose signature was swapped, a token older than the cache's age.
 */
class AgentTokenCacheTest {
  private final MutableClock clock = MutableClock.atSomeMonday();
  private final SigningKeys keys = SigningKeys.generate();
  private final TokenIssuer issuer = new TokenIssuer(keys, TokenForge.ISSUER, clock);
  private final AuthConfig config = AuthConfig.defaults(TokenForge.ISSUER);
  private final TokenVerifier verifier =
      new TokenVerifier(config, keys, new TicketReplayCache(clock), clock);

  @Test
  void theSameAgentTokenIsCheckedOnceAndAnsweredFromMemoryAfterwards() throws Exception {
    String token = issuer.agentToken("orders-api", Duration.ofDays(7));

    AgentPrincipal first = verifier.verifyAgent(token);
    AgentPrincipal again = verifier.verifyAgent(token);

    assertThat(again).isEqualTo(first);
    assertThat(verifier.rememberedAgentTokens()).isEqualTo(1);
  }

  @Test
  void aRememberedTokenIsRefusedOnceItHasExpired() throws Exception {
    TokenVerifier strict = new TokenVerifier(
        new AuthConfig(TokenForge.ISSUER, Duration.ZERO, null, Optional.empty()), keys,
        new TicketReplayCache(clock), clock);
    String token = issuer.agentToken("orders-api", Duration.ofSeconds(5));
    strict.verifyAgent(token);

    clock.advance(Duration.ofSeconds(6)); // well within the cache's age, past the token's expiry

    assertThatThrownBy(() -> strict.verifyAgent(token))
        .isInstanceOfSatisfying(AuthException.class,
            e -> assertThat(e.code()).isEqualTo("expired_token"));
  }

  @Test
  void aRememberedTokensClaimsWithAnotherSignatureAreRefused() throws Exception {
    String token = issuer.agentToken("orders-api", Duration.ofDays(7));
    verifier.verifyAgent(token);
    String[] parts = token.split("\\.");
    SigningKeys mallory = SigningKeys.generate();
    String forged = TokenForge.sign(
        JWSHeader.parse(new Base64URL(parts[0])),
        new Base64URL(parts[1]).decodeToString(),
        TokenForge.signer(mallory.privateKey()));
    assertThat(forged.split("\\.")[1]).isEqualTo(parts[1]); // the very same claims

    assertThatThrownBy(() -> verifier.verifyAgent(forged))
        .isInstanceOfSatisfying(AuthException.class,
            e -> assertThat(e.code()).isEqualTo("invalid_token"));
    assertThatThrownBy(() -> verifier.verifyAgent(token + "x"))
        .isInstanceOf(AuthException.class);
  }

  @Test
  void aTokenIsCheckedInFullAgainAfterTheCachesAge() {
    AgentTokenCache cache = new AgentTokenCache(clock);
    AgentPrincipal agent = new AgentPrincipal("orders-api", "jti-1");
    cache.put("token", agent, clock.instant().plus(Duration.ofDays(7)));

    assertThat(cache.find("token")).contains(agent);
    clock.advance(AgentTokenCache.MAX_AGE);
    assertThat(cache.find("token")).isEmpty();
    assertThat(cache.find("another token")).isEmpty();
  }

  @Test
  void manyDistinctTokensNeverGrowTheCachePastItsBound() {
    AgentTokenCache cache = new AgentTokenCache(clock);
    AgentPrincipal agent = new AgentPrincipal("orders-api", "jti-1");
    for (int i = 0; i < AgentTokenCache.MAX_ENTRIES * 2 + 7; i++) {
      cache.put("token-" + i, agent, clock.instant().plus(Duration.ofDays(7)));
      assertThat(cache.size()).isLessThanOrEqualTo(AgentTokenCache.MAX_ENTRIES);
    }
  }
}
