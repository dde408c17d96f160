package dev.tether.relay.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimNames;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.tether.protocol.TokenClaims;
import dev.tether.testkit.clock.MutableClock;
import dev.tether.testkit.token.TokenForge;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HostileTokenTest {
  private final MutableClock clock = MutableClock.atSomeMonday();
  private final SigningKeys keys = SigningKeys.generate();
  private final TokenIssuer issuer = new TokenIssuer(keys, TokenForge.ISSUER, clock);
  private final TokenForge forge = new TokenForge(keys.privateKey(), TokenForge.ISSUER, clock);
  private final TokenVerifier verifier =
      new TokenVerifier(
          AuthConfig.defaults(TokenForge.ISSUER), keys, new TicketReplayCache(clock), clock);

  private interface Verification {
    void run(String token) throws AuthException;
  }

  /** Asserts a refusal with this code, a message that says what to do, and no trace of the token. */
  private static void assertRefused(Verification verification, String token, String code) {
    Throwable thrown = catchThrowable(() -> verification.run(token));
    assertThat(thrown).isInstanceOf(AuthException.class);
    AuthException e = (AuthException) thrown;
    assertThat(e.status()).isEqualTo(401);
    assertThat(e.code()).isEqualTo(code);
    assertThat(e.getMessage()).isNotBlank();
    if (token != null && !token.isBlank()) {
      assertThat(e.getMessage()).doesNotContain(token);
      for (String part : token.split("\\.")) {
        if (part.length() > 16) {
          assertThat(e.getMessage()).doesNotContain(part);
        }
      }
    }
  }

  private String userToken() {
    return issuer.userToken("ada", Role.DEVELOPER, List.of("orders-*"), Set.of(), Duration.ofHours(1));
  }

  @Test
  void anUnsignedAlgNoneTokenIsRefused() {
    String header = "{\"alg\":\"none\",\"typ\":\"" + TokenClaims.TYP_USER + "\",\"kid\":\"" + keys.keyId() + "\"}";
    String token = TokenForge.b64(header) + "." + TokenForge.b64(forge.userClaims().build().toString()) + ".";

    assertRefused(verifier::verifyUser, token, "invalid_token");
  }

  @Test
  void anHs256TokenSignedWithTheRelaysPublicKeyIsRefused() throws Exception {
    byte[] publicBytes = keys.publicKey().toECPublicKey().getEncoded();
    JWSHeader header =
        new JWSHeader.Builder(JWSAlgorithm.HS256)
            .type(new JOSEObjectType(TokenClaims.TYP_USER))
            .keyID(keys.keyId())
            .build();
    String token =
        TokenForge.sign(header, forge.userClaims().build().toString(), new MACSigner(publicBytes));
    String jwksBytesToken =
        TokenForge.sign(
            header,
            forge.userClaims().build().toString(),
            new MACSigner(keys.publicJwkSetJson().getBytes()));

    assertRefused(verifier::verifyUser, token, "invalid_token");
    assertRefused(verifier::verifyUser, jwksBytesToken, "invalid_token");
  }

  @Test
  void anAgentTokenIsNotAUserToken() {
    assertRefused(verifier::verifyUser, issuer.agentToken("orders-api", Duration.ofDays(1)), "wrong_token_kind");
  }

  @Test
  void aTicketIsNotABearerToken() {
    String ticket =
        issuer.ticket("s-1", "ada", "orders-api", "i-1", Mode.FULL, Duration.ofSeconds(30)).token();

    assertRefused(verifier::verifyUser, ticket, "wrong_token_kind");
    assertRefused(verifier::verifyAgent, ticket, "wrong_token_kind");
  }

  @Test
  void aUserTokenIsNotAnAgentTokenNorATicket() {
    assertRefused(verifier::verifyAgent, userToken(), "wrong_token_kind");
    assertRefused(verifier::redeemTicket, userToken(), "wrong_token_kind");
  }

  @Test
  void aTokenWithTheRightTypButAnotherKindsAudienceIsRefused() {
    String token =
        forge.signed(TokenClaims.TYP_USER, forge.userClaims().audience(TokenClaims.AUD_AGENT).build());

    assertRefused(verifier::verifyUser, token, "invalid_token");
  }

  @Test
  void aTokenForSeveralAudiencesIsRefused() {
    String token =
        forge.signed(
            TokenClaims.TYP_USER,
            forge.userClaims().audience(List.of(TokenClaims.AUD_USER, TokenClaims.AUD_AGENT)).build());

    assertRefused(verifier::verifyUser, token, "invalid_token");
  }

  @Test
  void aTokenWithoutTypIsNotATetherToken() {
    String token = TokenForge.sign(
        new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(keys.keyId()).build(),
        forge.userClaims().build().toString(),
        TokenForge.signer(keys.privateKey()));

    assertRefused(verifier::verifyUser, token, "invalid_token");
    assertRefused(verifier::verifyAgent, token, "invalid_token");
  }

  @Test
  void aTokenFromAnotherIssuerIsRefused() {
    String token =
        forge.signed(TokenClaims.TYP_USER, forge.userClaims().issuer("https://evil.test").build());

    assertRefused(verifier::verifyUser, token, "invalid_token");
  }

  @ParameterizedTest
  @ValueSource(strings = {JWTClaimNames.EXPIRATION_TIME, JWTClaimNames.ISSUED_AT, JWTClaimNames.JWT_ID})
  void aTokenMissingATimeOrIdClaimIsRefused(String claim) {
    JWTClaimsSet user = forge.userClaims().claim(claim, null).build();
    JWTClaimsSet ticket = forge.ticketClaims().claim(claim, null).build();

    assertRefused(verifier::verifyUser, forge.signed(TokenClaims.TYP_USER, user), "invalid_token");
    assertRefused(verifier::redeemTicket, forge.signed(TokenClaims.TYP_TICKET, ticket), "invalid_token");
  }

  @Test
  void anExpiredTokenIsRefusedWithAdviceOnGettingANewOne() {
    String token = userToken();
    clock.advance(Duration.ofHours(1).plusSeconds(31));

    assertRefused(verifier::verifyUser, token, "expired_token");
    Throwable thrown = catchThrowable(() -> verifier.verifyUser(token));
    assertThat(thrown).hasMessageContaining("./tether token user");
  }

  @Test
  void anExpiredTicketIsRefused() {
    String ticket =
        issuer.ticket("s-1", "ada", "orders-api", "i-1", Mode.FULL, Duration.ofSeconds(30)).token();
    clock.advance(Duration.ofSeconds(61));

    assertRefused(verifier::redeemTicket, ticket, "expired_token");
  }

  @Test
  void aTokenIssuedInTheFutureBeyondTheSkewIsRefused() {
    Date later = Date.from(clock.instant().plusSeconds(45));
    String token = forge.signed(TokenClaims.TYP_USER, forge.userClaims().issueTime(later).build());

    assertRefused(verifier::verifyUser, token, "invalid_token");
  }

  @Test
  void aTokenNotValidBeforeALaterTimeIsRefused() {
    Date later = Date.from(clock.instant().plusSeconds(45));
    String token = forge.signed(TokenClaims.TYP_USER, forge.userClaims().notBeforeTime(later).build());

    assertRefused(verifier::verifyUser, token, "invalid_token");
  }

  @Test
  void aTokenIssuedSlightlyInTheFutureWithinTheSkewIsAccepted() {
    Date soon = Date.from(clock.instant().plusSeconds(20));
    String token = forge.signed(TokenClaims.TYP_USER, forge.userClaims().issueTime(soon).build());

    assertThatCode(() -> verifier.verifyUser(token)).doesNotThrowAnyException();
  }

  @Test
  void aTicketLivingLongerThanAMinuteIsRefused() {
    Date exp = Date.from(clock.instant().plusSeconds(61));
    String ticket = forge.signed(TokenClaims.TYP_TICKET, forge.ticketClaims().expirationTime(exp).build());

    assertRefused(verifier::redeemTicket, ticket, "invalid_token");
  }

  @Test
  void aHandMadeTicketWithAllClaimsIsAccepted() {
    String ticket = forge.signed(TokenClaims.TYP_TICKET, forge.ticketClaims().build());

    assertThatCode(() -> verifier.redeemTicket(ticket)).doesNotThrowAnyException();
  }

  @Test
  void aTamperedSignatureIsRefused() {
    String token = userToken();
    int at = token.lastIndexOf('.') + 10;
    char flipped = token.charAt(at) == 'A' ? 'B' : 'A';
    String tampered = token.substring(0, at) + flipped + token.substring(at + 1);

    assertRefused(verifier::verifyUser, tampered, "invalid_token");
  }

  @Test
  void aSelfGrantedAdminRoleIsRefused() {
    String[] parts = userToken().split("\\.");
    String escalated =
        forge.userClaims().claim(TokenClaims.ROLE, "admin").claim(TokenClaims.FUNCTIONS, List.of("*")).build().toString();
    String token = parts[0] + "." + TokenForge.b64(escalated) + "." + parts[2];

    assertRefused(verifier::verifyUser, token, "invalid_token");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "../keys/signing-key.jwk.json",
        "/etc/passwd",
        "file:///dev/random",
        "' OR '1'='1",
        "x'; DROP TABLE keys; --",
        "unknown-kid",
        ""
      })
  void aKidThatIsNotTheRelaysIsRefused(String kid) {
    JWSHeader header = forge.header(TokenClaims.TYP_USER).keyID(kid).build();
    String token = TokenForge.sign(header, forge.userClaims().build().toString(), TokenForge.signer(keys.privateKey()));

    assertRefused(verifier::verifyUser, token, "invalid_token");
  }

  @Test
  void aTokenSignedByAnotherRelaysKeyIsRefused() {
    SigningKeys other = SigningKeys.generate();
    String token = new TokenIssuer(other, TokenForge.ISSUER, clock)
        .userToken("ada", Role.ADMIN, List.of("*"), Set.of(), Duration.ofHours(1));

    assertRefused(verifier::verifyUser, token, "invalid_token");
  }

  @Test
  void aTokenCarryingItsOwnKeyInTheHeaderWithTheRelaysKidIsRefused() {
    SigningKeys attacker = SigningKeys.generate();
    JWSHeader header = forge.header(TokenClaims.TYP_USER).jwk(attacker.publicKey()).build();
    String token = TokenForge.sign(header, forge.userClaims().build().toString(), TokenForge.signer(attacker.privateKey()));

    assertRefused(verifier::verifyUser, token, "invalid_token");
  }

  @Test
  void deeplyNestedClaimsFailCleanly() {
    String payload = "{\"sub\":\"ada\",\"role\":" + TokenForge.nested(6000) + "}";
    String signed = TokenForge.sign(forge.header(TokenClaims.TYP_USER).build(), payload, TokenForge.signer(keys.privateKey()));
    String unsigned = TokenForge.raw(
        "{\"alg\":\"ES256\",\"typ\":\"" + TokenClaims.TYP_USER + "\",\"kid\":\"" + keys.keyId() + "\"}",
        payload,
        "AAAA");

    assertRefused(verifier::verifyUser, signed, "invalid_token");
    assertRefused(verifier::verifyUser, unsigned, "invalid_token");
    String agentTyped =
        TokenForge.sign(forge.header(TokenClaims.TYP_AGENT).build(), payload, TokenForge.signer(keys.privateKey()));
    assertRefused(verifier::verifyAgent, agentTyped, "invalid_token");
  }

  @Test
  void aDeeplyNestedHeaderFailsCleanly() {
    String token =
        TokenForge.raw("{\"alg\":\"ES256\",\"x\":" + TokenForge.nested(6000) + "}", "{}", "AAAA");

    assertRefused(verifier::verifyUser, token, "invalid_token");
    assertRefused(verifier::redeemTicket, token, "invalid_token");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "garbage",
        "a.b.c",
        "....",
        "eyJhbGciOiJFUzI1NiJ9",
        "eyJhbGciOiJFUzI1NiJ9..",
        "a.b.c.d.e",
        "%00%00.%00.%00",
        "ЖЖЖ.ЖЖЖ.ЖЖЖ",
        "Bearer eyJ.eyJ.sig"
      })
  void garbageIsRefused(String token) {
    assertRefused(verifier::verifyUser, token, "invalid_token");
    assertRefused(verifier::verifyAgent, token, "invalid_token");
    assertRefused(verifier::redeemTicket, token, "invalid_token");
  }

  @Test
  void anEmptyTokenIsMissingAndAnOversizeOneInvalid() {
    assertRefused(verifier::verifyUser, "", "missing_token");
    assertRefused(verifier::verifyUser, null, "missing_token");
    assertRefused(verifier::verifyUser, "a".repeat(TokenVerifier.MAX_TOKEN_CHARS + 1), "invalid_token");
  }

  @ParameterizedTest
  @ValueSource(strings = {"root", "Admin", "", "[\"admin\"]", "42", "null"})
  void aUserTokenWithoutAValidRoleIsRefused(String role) {
    String roleJson = role.startsWith("[") || role.equals("42") || role.equals("null") ? role : "\"" + role + "\"";
    String payload =
        forge.userClaims().claim(TokenClaims.ROLE, null).build().toString().replaceFirst("\\{", "{\"role\":" + roleJson + ",");
    String token = TokenForge.sign(forge.header(TokenClaims.TYP_USER).build(), payload, TokenForge.signer(keys.privateKey()));

    assertRefused(verifier::verifyUser, token, "invalid_token");
  }

  @Test
  void aUserTokenWithFunctionsOfTheWrongShapeIsRefused() {
    for (Object functions : new Object[] {"orders-*", List.of(1, 2), List.of("orders-{"), List.of(" ")}) {
      String token =
          forge.signed(TokenClaims.TYP_USER, forge.userClaims().claim(TokenClaims.FUNCTIONS, functions).build());

      assertRefused(verifier::verifyUser, token, "invalid_token");
    }
  }

  @Test
  void aUserTokenWithAnUnknownOrEmptyModeListIsRefused() {
    for (Object modes : new Object[] {List.of("godmode"), List.of(), "full"}) {
      String token =
          forge.signed(TokenClaims.TYP_USER, forge.userClaims().claim(TokenClaims.MODES, modes).build());

      assertRefused(verifier::verifyUser, token, "invalid_token");
    }
  }

  @Test
  void aTicketWithAnUnknownModeIsRefused() {
    String ticket =
        forge.signed(TokenClaims.TYP_TICKET, forge.ticketClaims().claim(TokenClaims.MODE, "root").build());

    assertRefused(verifier::redeemTicket, ticket, "invalid_token");
  }

  @Test
  void anAgentTokenWithoutAFunctionIsRefused() {
    JWTClaimsSet claims =
        forge.userClaims().audience(TokenClaims.AUD_AGENT).claim(TokenClaims.FUNCTION, null).build();

    assertRefused(verifier::verifyAgent, forge.signed(TokenClaims.TYP_AGENT, claims), "invalid_token");
  }

  @Test
  void aTicketMissingItsSessionIsRefused() {
    String ticket =
        forge.signed(TokenClaims.TYP_TICKET, forge.ticketClaims().claim(TokenClaims.SESSION, null).build());

    assertRefused(verifier::redeemTicket, ticket, "invalid_token");
  }

  @Test
  void aUserTokenWhoseSubjectHoldsALineSeparatorOrBidiOverrideIsRefused() {
    for (String subject : new String[] {"ada\u2028admin", "ada\u202enimda", "ada\u0085x"}) {
      String token = forge.signed(TokenClaims.TYP_USER, forge.userClaims().subject(subject).build());

      assertRefused(verifier::verifyUser, token, "invalid_token");
    }
  }

  @Test
  void aUserTokenWithAGlobHoldingControlsOrSlashesIsRefused() {
    for (String glob : new String[] {"orders\n*", "orders-\u0000", "../*", "orders\u2028"}) {
      String token = forge.signed(TokenClaims.TYP_USER,
          forge.userClaims().claim(TokenClaims.FUNCTIONS, List.of(glob)).build());

      assertRefused(verifier::verifyUser, token, "invalid_token");
    }
  }

  @Test
  void anAgentTokenForAMalformedFunctionNameIsRefused() {
    for (String function : new String[] {"orders\u2028x", "../orders", "orders api", "-orders"}) {
      JWTClaimsSet claims = forge.userClaims().audience(TokenClaims.AUD_AGENT)
          .claim(TokenClaims.FUNCTION, function).build();

      assertRefused(verifier::verifyAgent, forge.signed(TokenClaims.TYP_AGENT, claims),
          "invalid_token");
    }
  }

  @Test
  void ordinaryGlobsAndNamesStillPass() throws Exception {
    String user = forge.signed(TokenClaims.TYP_USER, forge.userClaims()
        .claim(TokenClaims.FUNCTIONS, List.of("orders-*", "billing", "*", "api-{a,b}", "x?")).build());
    JWTClaimsSet agent = forge.userClaims().audience(TokenClaims.AUD_AGENT)
        .claim(TokenClaims.FUNCTION, "orders-api:prod").build();

    assertThat(verifier.verifyUser(user).functions()).hasSize(5);
    assertThat(verifier.verifyAgent(forge.signed(TokenClaims.TYP_AGENT, agent)).function())
        .isEqualTo("orders-api:prod");
  }
}
