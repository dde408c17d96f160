package dev.tether.relay.auth;

import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimNames;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import dev.tether.relay.config.ExternalIssuer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks the claims of one kind of token from one issuer on the relay's clock: required claims,
 * exact issuer and audience, expiry and not-before with at most 30 s skew, issue time not in the
 * future, and (for tickets) a capped lifetime. Nimbus's own checks run as well, as a backstop.
 */
final class KindClaimsVerifier extends DefaultJWTClaimsVerifier<SecurityContext> {
  private final TokenKind kind;
  private final String issuer;
  private final String audience;
  private final boolean audienceAlone;
  private final Set<String> required;
  private final Duration skew;
  private final Optional<Duration> maxLifetime;
  private final Clock clock;

  private KindClaimsVerifier(
      TokenKind kind,
      String issuer,
      String audience,
      boolean audienceAlone,
      Set<String> required,
      Duration skew,
      Optional<Duration> maxLifetime,
      Clock clock) {
    super(Set.of(audience), new JWTClaimsSet.Builder().issuer(issuer).build(), required, null);
    setMaxClockSkew((int) skew.toSeconds());
    this.kind = kind;
    this.issuer = issuer;
    this.audience = audience;
    this.audienceAlone = audienceAlone;
    this.required = required;
    this.skew = skew;
    this.maxLifetime = maxLifetime;
    this.clock = clock;
  }

  /** For tokens the relay signed itself: exactly its audience, exp, iat and jti required. */
  static KindClaimsVerifier relay(TokenKind kind, AuthConfig config, Clock clock) {
    Set<String> required = new TreeSet<>(TokenKind.RELAY_CLAIMS);
    required.addAll(kind.kindClaims());
    Optional<Duration> maxLifetime =
        kind == TokenKind.TICKET ? Optional.of(config.maxTicketTtl()) : Optional.empty();
    return new KindClaimsVerifier(
        kind, config.issuer(), kind.audience(), true, Set.copyOf(required), config.clockSkew(),
        maxLifetime, clock);
  }

  /** For an identity provider's user tokens: its issuer, its audience among others, and exp. */
  static KindClaimsVerifier external(ExternalIssuer idp, AuthConfig config, Clock clock) {
    Set<String> required = new TreeSet<>(TokenKind.USER.kindClaims());
    required.add(JWTClaimNames.ISSUER);
    required.add(JWTClaimNames.AUDIENCE);
    required.add(JWTClaimNames.EXPIRATION_TIME);
    return new KindClaimsVerifier(
        TokenKind.USER, idp.issuer(), idp.audience(), false, Set.copyOf(required),
        config.clockSkew(), Optional.empty(), clock);
  }

  @Override
  public void verify(JWTClaimsSet claims, SecurityContext context) throws BadJWTException {
    Set<String> missing = new TreeSet<>(required);
    missing.removeAll(claims.getClaims().keySet());
    if (!missing.isEmpty()) {
      throw invalid("the %s lacks the required claims %s; %s", missing);
    }
    if (!issuer.equals(claims.getIssuer())) {
      throw invalid("the %s was not issued by %s; %s", issuer);
    }
    List<String> audiences = claims.getAudience();
    boolean audienceOk =
        audienceAlone ? audiences.equals(List.of(audience)) : audiences.contains(audience);
    if (!audienceOk) {
      throw invalid("the %s is not meant for audience %s; %s", audience);
    }
    checkTimes(claims);
    try {
      super.verify(claims, context);
    } catch (ClaimRefusal refusal) {
      throw refusal;
    } catch (BadJWTException e) {
      throw invalid("the %s has invalid claims; %s");
    }
  }

  private void checkTimes(JWTClaimsSet claims) throws ClaimRefusal {
    Instant now = clock.instant();
    Date exp = claims.getExpirationTime();
    if (exp == null) {
      throw invalid("the %s has no valid expiry time; %s");
    }
    if (now.isAfter(exp.toInstant().plus(skew))) {
      throw new ClaimRefusal(
          "expired_token", String.format("the %s has expired; %s", kind.label(), kind.remedy()));
    }
    for (Date notBefore : new Date[] {claims.getNotBeforeTime(), claims.getIssueTime()}) {
      if (notBefore != null && notBefore.toInstant().isAfter(now.plus(skew))) {
        throw invalid(
            "the %s is not valid yet (issued in the future); check the clocks of the relay and"
                + " the issuer, then %s");
      }
    }
    if (maxLifetime.isPresent()) {
      Date iat = claims.getIssueTime();
      if (iat == null
          || Duration.between(iat.toInstant(), exp.toInstant()).compareTo(maxLifetime.get()) > 0) {
        throw invalid(
            "the %s lasts longer than the " + maxLifetime.get().toSeconds() + " s allowed; %s");
      }
    }
  }

  /** Formats the message as: the kind's label, then any extras, then the remedy. */
  private ClaimRefusal invalid(String format, Object... extras) {
    Object[] args = new Object[extras.length + 2];
    args[0] = kind.label();
    System.arraycopy(extras, 0, args, 1, extras.length);
    args[args.length - 1] = kind.remedy();
    return new ClaimRefusal("invalid_token", String.format(format, args));
  }

  @Override
  protected Date currentTime() {
    return Date.from(clock.instant());
  }
}
