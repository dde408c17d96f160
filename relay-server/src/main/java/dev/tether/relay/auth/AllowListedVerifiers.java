package dev.tether.relay.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.proc.JWSVerifierFactory;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Set;

/**
 * Makes signature verifiers for exactly the pairs Tether accepts (ES256 with an EC key, RS256 or
 * PS256 with an RSA key, EdDSA with an Ed25519 key) and for nothing else, HMAC least of all.
 */
final class AllowListedVerifiers implements JWSVerifierFactory {
  private final JCAContext jca = new JCAContext();

  @Override
  public JWSVerifier createJWSVerifier(JWSHeader header, Key key) throws JOSEException {
    JWSAlgorithm alg = header.getAlgorithm();
    if (JWSAlgorithm.ES256.equals(alg) && key instanceof ECPublicKey ec) {
      return new ECDSAVerifier(ec);
    }
    if ((JWSAlgorithm.RS256.equals(alg) || JWSAlgorithm.PS256.equals(alg))
        && key instanceof RSAPublicKey rsa) {
      return new RSASSAVerifier(rsa);
    }
    if (JWSAlgorithm.EdDSA.equals(alg) && key instanceof EdECPublicKey ed) {
      return new Ed25519(ed);
    }
    throw new JOSEException("algorithm not allowed for this key");
  }

  @Override
  public Set<JWSAlgorithm> supportedJWSAlgorithms() {
    return AllowListedKeySelector.EXTERNAL_ALGORITHMS;
  }

  @Override
  public JCAContext getJCAContext() {
    return jca;
  }

  /** EdDSA over Ed25519 with the JDK's own implementation (Nimbus's needs Tink). */
  private static final class Ed25519 implements JWSVerifier {
    private final PublicKey key;
    private final JCAContext jca = new JCAContext();

    Ed25519(EdECPublicKey key) {
      this.key = key;
    }

    @Override
    public boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature)
        throws JOSEException {
      if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
        return false;
      }
      try {
        Signature verifier = Signature.getInstance("Ed25519");
        verifier.initVerify(key);
        verifier.update(signingInput);
        return verifier.verify(signature.decode());
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        return false;
      }
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
      return Set.of(JWSAlgorithm.EdDSA);
    }

    @Override
    public JCAContext getJCAContext() {
      return jca;
    }
  }
}
