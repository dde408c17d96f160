package dev.tether.relay.api;

import dev.tether.relay.auth.AuthException;
import dev.tether.relay.auth.TokenVerifier;
import dev.tether.relay.auth.UserPrincipal;
import dev.tether.relay.http.Exchange;

/** Who is calling the API: the verified user token of the Authorization header, or a 401. */
final class Callers {
  private final TokenVerifier verifier;

  Callers(TokenVerifier verifier) {
    this.verifier = verifier;
  }

  UserPrincipal user(Exchange exchange) throws AuthException {
    return verifier.verifyUser(TokenVerifier.bearer(exchange.header("Authorization")));
  }
}
