package dev.tether.relay.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.testkit.clock.MutableClock;
import dev.tether.testkit.token.TokenForge;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TokenRoundTripTest {
  private final MutableClock clock = MutableClock.atSomeMonday();
  private final SigningKeys keys = SigningKeys.generate();
  private final TokenIssuer issuer = new TokenIssuer(keys, TokenForge.ISSUER, clock);
  private final TokenVerifier verifier =
      new TokenVerifier(
          AuthConfig.defaults(TokenForge.ISSUER), keys, new TicketReplayCache(clock), clock);

  @Test
  void aUserTokenComesBackAsTheSameUser() throws Exception {
    String token =
        issuer.userToken(
            "ada", Role.DEVELOPER, List.of("orders-*", "billing"), Set.of(Mode.READONLY),
            Duration.ofHours(8));

    UserPrincipal user = verifier.verifyUser(token);

    assertThat(user.subject()).isEqualTo("ada");
    assertThat(user.role()).isEqualTo(Role.DEVELOPER);
    assertThat(user.functions()).containsExactly("orders-*", "billing");
    assertThat(user.modes()).containsExactly(Mode.READONLY);
    assertThat(user.mayDebug("orders-api")).isTrue();
    assertThat(user.mayDebug("payments")).isFalse();
  }

  @Test
  void aUserTokenWithoutModesMayOpenBothModes() throws Exception {
    String token =
        issuer.userToken("root", Role.ADMIN, List.of(), Set.of(), Duration.ofHours(1));

    UserPrincipal user = verifier.verifyUser(token);

    assertThat(user.isAdmin()).isTrue();
    assertThat(user.modes()).containsExactlyInAnyOrder(Mode.FULL, Mode.READONLY);
  }

  @Test
  void anAgentTokenNamesItsOneFunction() throws Exception {
    String token = issuer.agentToken("orders-api", Duration.ofDays(7));

    AgentPrincipal agent = verifier.verifyAgent(token);

    assertThat(agent.function()).isEqualTo("orders-api");
    assertThat(agent.tokenId()).isNotBlank();
  }

  @Test
  void aTicketComesBackWithTheClaimsItWasIssuedWith() throws Exception {
    IssuedTicket issued =
        issuer.ticket("s-1", "ada", "orders-api", "i-7", Mode.READONLY, Duration.ofSeconds(30));

    Ticket ticket = verifier.redeemTicket(issued.token());

    assertThat(ticket).isEqualTo(issued.claims());
    assertThat(ticket.sessionId()).isEqualTo("s-1");
    assertThat(ticket.mode()).isEqualTo(Mode.READONLY);
    assertThat(ticket.expiresAt()).isEqualTo(clock.instant().plusSeconds(30));
  }

  @Test
  void aTicketAskedToLiveLongerThanAMinuteLivesOneMinute() {
    IssuedTicket issued =
        issuer.ticket("s-1", "ada", "orders-api", "i-7", Mode.FULL, Duration.ofHours(1));

    assertThat(issued.claims().expiresAt()).isEqualTo(clock.instant().plusSeconds(60));
  }

  @Test
  void aTicketOpensOneSessionOnly() throws Exception {
    IssuedTicket issued =
        issuer.ticket("s-1", "ada", "orders-api", "i-7", Mode.FULL, Duration.ofSeconds(30));
    verifier.redeemTicket(issued.token());

    assertThatThrownBy(() -> verifier.redeemTicket(issued.token()))
        .isInstanceOfSatisfying(
            AuthException.class,
            e -> {
              assertThat(e.status()).isEqualTo(401);
              assertThat(e.code()).isEqualTo("ticket_used");
            });
  }

  @Test
  void aReplayJustAfterExpiryButWithinTheSkewIsStillRefusedAsUsed() throws Exception {
    IssuedTicket issued =
        issuer.ticket("s-1", "ada", "orders-api", "i-7", Mode.FULL, Duration.ofSeconds(30));
    verifier.redeemTicket(issued.token());
    clock.advance(Duration.ofSeconds(50));

    assertThatThrownBy(() -> verifier.redeemTicket(issued.token()))
        .isInstanceOfSatisfying(
            AuthException.class, e -> assertThat(e.code()).isEqualTo("ticket_used"));
  }

  @Test
  void aTokenIsAcceptedUntilItsExpiryPlusTheClockSkew() throws Exception {
    String token = issuer.agentToken("orders-api", Duration.ofMinutes(5));
    clock.advance(Duration.ofMinutes(5).plusSeconds(29));

    assertThat(verifier.verifyAgent(token).function()).isEqualTo("orders-api");
  }

  @Test
  void theBearerHeaderYieldsItsToken() throws Exception {
    assertThat(TokenVerifier.bearer("Bearer abc.def.ghi")).isEqualTo("abc.def.ghi");
    assertThat(TokenVerifier.bearer("bearer   abc.def.ghi ")).isEqualTo("abc.def.ghi");
  }

  @Test
  void aMissingOrForeignAuthorizationHeaderSaysHowToSendAToken() {
    for (String header : new String[] {null, "", "Bearer", "Bearer   ", "Basic YWRhOnB3", "abc"}) {
      assertThatThrownBy(() -> TokenVerifier.bearer(header))
          .isInstanceOfSatisfying(
              AuthException.class,
              e -> {
                assertThat(e.status()).isEqualTo(401);
                assertThat(e.code()).isEqualTo("missing_token");
                assertThat(e.getMessage()).contains("Authorization: Bearer <token>");
              });
    }
  }
}
