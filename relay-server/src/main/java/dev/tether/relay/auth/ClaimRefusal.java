package dev.tether.relay.auth;

import com.nimbusds.jwt.proc.BadJWTException;

/**
 * A claims check that failed with a stable error code and a message for people, carried through
 * Nimbus's processor (which only lets {@link BadJWTException} out of a claims verifier).
 */
final class ClaimRefusal extends BadJWTException {
  private final String code;

  ClaimRefusal(String code, String message) {
    super(message);
    this.code = code;
  }

  AuthException toAuthException() {
    return new AuthException(401, code, getMessage());
  }
}
