package dev.tether.relay.auth;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Clock;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies every kind of Tether token and refuses, with a stable code and advice, anything that
 * is not exactly the kind asked for, signed by a trusted key with an allowed algorithm, and
 * currently valid. Attach tickets are redeemable once.
 */
public final class TokenVerifier {
  private static final Logger LOG = LoggerFactory.getLogger(TokenVerifier.class);
  /** Longer than any sane JWT, short enough that parsing a hostile one stays cheap. */
  static final int MAX_TOKEN_CHARS = 16 * 1024;

  private static final JOSEObjectType AT_JWT = new JOSEObjectType("at+jwt");

  private final AuthConfig config;
  private final SigningKeys keys;
  private final TicketReplayCache replayCache;
  private final TokenCheck user;
  private final TokenCheck agent;
  private final TokenCheck ticket;
  private final Optional<TokenCheck> externalUser;
  private final AgentTokenCache agentTokens;

  public TokenVerifier(
      AuthConfig config, SigningKeys keys, TicketReplayCache replayCache, Clock clock) {
    this.config = Objects.requireNonNull(config, "config");
    this.keys = Objects.requireNonNull(keys, "keys");
    this.replayCache = Objects.requireNonNull(replayCache, "replayCache");
    Objects.requireNonNull(clock, "clock");
    this.agentTokens = new AgentTokenCache(clock);
    var relayKeys =
        new AllowListedKeySelector(
            Set.of(SigningKeys.ALGORITHM), new ImmutableJWKSet<>(new JWKSet(keys.publicKey())));
    this.user = relayCheck(TokenKind.USER, relayKeys, clock);
    this.agent = relayCheck(TokenKind.AGENT, relayKeys, clock);
    this.ticket = relayCheck(TokenKind.TICKET, relayKeys, clock);
    this.externalUser =
        config
            .external()
            .map(
                idp ->
                    new TokenCheck(
                        TokenKind.USER,
                        new AllowListedKeySelector(
                            AllowListedKeySelector.EXTERNAL_ALGORITHMS, ExternalKeys.of(idp)),
                        KindClaimsVerifier.external(idp, config, clock),
                        null,
                        JOSEObjectType.JWT,
                        AT_JWT));
  }

  private TokenCheck relayCheck(TokenKind kind, AllowListedKeySelector keys, Clock clock) {
    return new TokenCheck(kind, keys, KindClaimsVerifier.relay(kind, config, clock), kind.type());
  }

  /** The token of an {@code Authorization: Bearer <token>} header. */
  public static String bearer(String authorizationHeader) throws AuthException {
    String prefix = "bearer ";
    if (authorizationHeader == null
        || authorizationHeader.length() <= prefix.length()
        || !authorizationHeader.substring(0, prefix.length()).toLowerCase(Locale.ROOT).equals(prefix)
        || authorizationHeader.substring(prefix.length()).isBlank()) {
      throw new AuthException(
          401,
          "missing_token",
          "no token was sent; send one in the header `Authorization: Bearer <token>` (get a user"
              + " token with `./tether token user` or from your identity provider)");
    }
    return authorizationHeader.substring(prefix.length()).trim();
  }

  /** A user token signed by this relay, or by the configured identity provider. */
  public UserPrincipal verifyUser(String token) throws AuthException {
    SignedJWT jwt = parse(token, TokenKind.USER);
    TokenKind kind = TokenKind.ofType(jwt.getHeader().getType());
    if (kind == TokenKind.USER) {
      requireRelayKey(jwt.getHeader(), kind);
      return PrincipalClaims.user(user.verify(jwt));
    }
    if (kind != null) {
      throw wrongKind(TokenKind.USER, kind);
    }
    if (externalUser.isPresent()) {
      return PrincipalClaims.user(externalUser.get().verify(jwt));
    }
    throw new AuthException(
        401,
        "invalid_token",
        "this is not a Tether user token (its typ header is not " + TokenKind.USER.type()
            + "); " + TokenKind.USER.remedy());
  }

  /**
   * An agent token signed by this relay. The same token verified within the last minute, and
   * not expired since, is answered from {@link AgentTokenCache} without checking its signature
   * again.
   */
  public AgentPrincipal verifyAgent(String token) throws AuthException {
    if (token != null && token.length() <= MAX_TOKEN_CHARS) {
      Optional<AgentPrincipal> known = agentTokens.find(token);
      if (known.isPresent()) {
        return known.get();
      }
    }
    SignedJWT jwt = relayToken(token, TokenKind.AGENT);
    JWTClaimsSet claims = agent.verify(jwt);
    AgentPrincipal principal = PrincipalClaims.agent(claims);
    if (claims.getExpirationTime() != null) {
      agentTokens.put(token, principal, claims.getExpirationTime().toInstant());
    }
    return principal;
  }

  /** How many agent tokens are remembered as verified (for tests). */
  int rememberedAgentTokens() {
    return agentTokens.size();
  }

  /** Verifies an attach ticket and marks it used; a second redeem fails with ticket_used. */
  public Ticket redeemTicket(String token) throws AuthException {
    SignedJWT jwt = relayToken(token, TokenKind.TICKET);
    Ticket claims = PrincipalClaims.ticket(ticket.verify(jwt));
    // Remembered until the last moment the skew would still accept it.
    var outcome = replayCache.redeem(claims.id(), claims.expiresAt().plus(config.clockSkew()));
    if (outcome == TicketReplayCache.Outcome.FIRST_USE) {
      return claims;
    }
    if (outcome == TicketReplayCache.Outcome.EXPIRED) {
      throw new AuthException(
          401, "expired_token", "the attach ticket has expired; " + TokenKind.TICKET.remedy());
    }
    LOG.debug("ticket refused reason=replayed session={}", claims.sessionId());
    throw new AuthException(
        401,
        "ticket_used",
        "this attach ticket has already been used; " + TokenKind.TICKET.remedy());
  }

  private SignedJWT relayToken(String token, TokenKind expected) throws AuthException {
    SignedJWT jwt = parse(token, expected);
    TokenKind kind = TokenKind.ofType(jwt.getHeader().getType());
    if (kind != expected) {
      throw kind == null
          ? new AuthException(
              401,
              "invalid_token",
              "this is not a Tether " + expected.label() + " (its typ header is not "
                  + expected.type() + "); " + expected.remedy())
          : wrongKind(expected, kind);
    }
    requireRelayKey(jwt.getHeader(), kind);
    return jwt;
  }

  private static SignedJWT parse(String token, TokenKind expected) throws AuthException {
    if (token == null || token.isBlank()) {
      throw new AuthException(
          401, "missing_token", "no " + expected.label() + " was sent; " + expected.remedy());
    }
    if (token.length() > MAX_TOKEN_CHARS) {
      throw new AuthException(
          401,
          "invalid_token",
          "the " + expected.label() + " is longer than " + MAX_TOKEN_CHARS + " characters; "
              + expected.remedy());
    }
    try {
      return SignedJWT.parse(token);
    } catch (ParseException | RuntimeException | StackOverflowError e) {
      LOG.debug("token refused kind={} reason=unparseable", expected);
      throw new AuthException(
          401,
          "invalid_token",
          "the " + expected.label() + " is not a signed JWT; send it exactly as issued, or "
              + expected.remedy());
    }
  }

  private void requireRelayKey(JWSHeader header, TokenKind kind) throws AuthException {
    if (!SigningKeys.ALGORITHM.equals(header.getAlgorithm())) {
      throw new AuthException(
          401,
          "invalid_token",
          "the " + kind.label() + " is signed with an algorithm this relay does not accept (only "
              + JWSAlgorithm.ES256 + "); " + kind.remedy());
    }
    if (!keys.keyId().equals(header.getKeyID())) {
      throw new AuthException(
          401,
          "invalid_token",
          "the " + kind.label() + " was signed by a key this relay does not know; "
              + kind.remedy());
    }
  }

  private static AuthException wrongKind(TokenKind expected, TokenKind actual) {
    return new AuthException(
        401,
        "wrong_token_kind",
        "this is " + article(actual) + " " + actual.label() + ", but this needs "
            + article(expected) + " " + expected.label() + "; " + expected.remedy());
  }

  private static String article(TokenKind kind) {
    return kind == TokenKind.AGENT || kind == TokenKind.TICKET ? "an" : "a";
  }
}
