package dev.tether.relay.auth;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.SecurityContext;
import dev.tether.relay.config.ExternalIssuer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.nio.file.Path;
import java.text.ParseException;

/**
 * The public keys of an identity provider: read once from a JWKS file, or fetched and cached by
 * Nimbus from its JWKS URL. Private and symmetric keys in the set are ignored.
 */
final class ExternalKeys {
  private ExternalKeys() {}

  static JWKSource<SecurityContext> of(ExternalIssuer idp) {
    if ("file".equals(idp.jwks().getScheme())) {
      Path file = Path.of(idp.jwks());
      try {
        JWKSet keys = JWKSet.load(file.toFile()).toPublicJWKSet();
        if (keys.isEmpty()) {
          throw new IOException("it holds no public keys");
        }
        return new ImmutableJWKSet<>(keys);
      } catch (IOException | ParseException e) {
        throw new UncheckedIOException(
            new IOException(
                "cannot read the identity provider's JWKS file " + file
                    + "; point external.jwks at a readable JWK set"));
      }
    }
    try {
      return JWKSourceBuilder.<SecurityContext>create(idp.jwks().toURL()).build();
    } catch (MalformedURLException e) {
      throw new IllegalArgumentException("the external JWKS URL is malformed: " + idp.jwks());
    }
  }
}
