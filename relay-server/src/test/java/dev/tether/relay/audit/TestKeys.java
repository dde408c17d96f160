package dev.tether.relay.audit;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import java.time.Clock;

/** A fresh ES256 key pair as the relay holds one: a seal signer and the matching verifier. */
record TestKeys(ECKey key, SealSigner signer, SealVerifier verifier) {
  static TestKeys generate() {
    try {
      ECKey key = new ECKeyGenerator(Curve.P_256).keyUse(KeyUse.SIGNATURE)
          .keyIDFromThumbprint(true).generate();
      return new TestKeys(key, new SealSigner(new ECDSASigner(key), key.getKeyID(),
          Clock.systemUTC()), new SealVerifier(new JWKSet(key.toPublicJWK())));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Seals the last of {@code records}, as the relay does once per batch. */
  AuditSeal sealLast(java.util.List<AuditRecord> records) {
    AuditRecord last = records.get(records.size() - 1);
    return signer.sign(last.seq(), last.hash());
  }
}
