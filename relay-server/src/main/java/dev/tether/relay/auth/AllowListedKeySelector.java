package dev.tether.relay.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Picks verification keys from a JWK source, allowing each key only the algorithms of its type
 * (RSA: RS256/PS256, EC P-256: ES256, OKP Ed25519: EdDSA) and never HMAC. Nimbus's matcher does
 * the matching; Ed25519 keys are converted here because Nimbus only exports them through Tink.
 */
final class AllowListedKeySelector extends JWSVerificationKeySelector<SecurityContext> {
  static final Set<JWSAlgorithm> EXTERNAL_ALGORITHMS =
      Set.of(JWSAlgorithm.RS256, JWSAlgorithm.PS256, JWSAlgorithm.ES256, JWSAlgorithm.EdDSA);

  /** The DER prefix of an X.509 SubjectPublicKeyInfo for a raw 32-byte Ed25519 key. */
  private static final byte[] ED25519_PREFIX = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
  };

  AllowListedKeySelector(Set<JWSAlgorithm> algorithms, JWKSource<SecurityContext> source) {
    super(Set.copyOf(algorithms), source);
  }

  @Override
  public List<Key> selectJWSKeys(JWSHeader header, SecurityContext context)
      throws KeySourceException {
    if (!JWSAlgorithm.EdDSA.equals(header.getAlgorithm())) {
      return super.selectJWSKeys(header, context);
    }
    JWKMatcher matcher = createJWKMatcher(header);
    if (matcher == null) {
      return List.of();
    }
    List<Key> keys = new ArrayList<>();
    for (JWK jwk : getJWKSource().get(new JWKSelector(matcher), context)) {
      if (jwk instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve())) {
        keys.add(ed25519PublicKey(okp.getDecodedX()));
      }
    }
    return keys;
  }

  private static Key ed25519PublicKey(byte[] x) throws KeySourceException {
    if (x.length != 32) {
      throw new KeySourceException("an Ed25519 key must be 32 bytes");
    }
    byte[] der = new byte[ED25519_PREFIX.length + x.length];
    System.arraycopy(ED25519_PREFIX, 0, der, 0, ED25519_PREFIX.length);
    System.arraycopy(x, 0, der, ED25519_PREFIX.length, x.length);
    try {
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      throw new KeySourceException("this JVM cannot read Ed25519 keys", e);
    }
  }
}
