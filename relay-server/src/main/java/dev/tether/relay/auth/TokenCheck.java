package dev.tether.relay.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Nimbus processor configured for one kind of token from one issuer (typ, keys, algorithms,
 * claims), turning every way a token can fail into an {@link AuthException}.
 */
final class TokenCheck {
  private static final Logger LOG = LoggerFactory.getLogger(TokenCheck.class);

  private final TokenKind kind;
  private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

  TokenCheck(
      TokenKind kind,
      JWSKeySelector<SecurityContext> keys,
      KindClaimsVerifier claims,
      JOSEObjectType... allowedTypes) {
    this.kind = kind;
    processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(allowedTypes));
    processor.setJWSKeySelector(keys);
    processor.setJWSVerifierFactory(new AllowListedVerifiers());
    processor.setJWTClaimsSetVerifier(claims);
  }

  /** The verified claims, or the reason they were refused. */
  JWTClaimsSet verify(SignedJWT jwt) throws AuthException {
    try {
      return processor.process(jwt, null);
    } catch (ClaimRefusal refusal) {
      LOG.debug("token refused kind={} reason=claims", kind);
      throw refusal.toAuthException();
    } catch (BadJOSEException | JOSEException e) {
      LOG.debug("token refused kind={} reason={}", kind, e.getClass().getSimpleName());
      throw invalid();
    } catch (RuntimeException | StackOverflowError e) {
      // Whatever a hostile token makes a parser throw is a refusal, not a server error.
      LOG.debug("token refused kind={} reason={}", kind, e.getClass().getSimpleName());
      throw invalid();
    }
  }

  private AuthException invalid() {
    return new AuthException(
        401,
        "invalid_token",
        String.format(
            "the %s was refused: its signature, key or contents are not valid; %s",
            kind.label(), kind.remedy()));
  }
}
