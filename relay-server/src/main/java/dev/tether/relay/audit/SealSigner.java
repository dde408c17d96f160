package dev.tether.relay.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Signs chain heads with the relay's ES256 key (the one that signs tokens), once per batch the
 * writer appends: one signature per group commit, never one per event.
 */
public final class SealSigner {
  /** The JWS {@code typ} of a seal, so no token is ever taken for one and the other way round. */
  static final JOSEObjectType TYPE = new JOSEObjectType("tether-audit-seal");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final JWSSigner signer;
  private final String keyId;
  private final Clock clock;

  public SealSigner(JWSSigner signer, String keyId, Clock clock) {
    this.signer = signer;
    this.keyId = keyId;
    this.clock = clock;
  }

  /** Signs "record {@code seq} has hash {@code hash}" now. */
  public AuditSeal sign(long seq, String hash) {
    Instant now = clock.instant();
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("seq", seq);
    payload.put("hash", hash);
    payload.put("signedAt", now.toString());
    JWSObject jws = new JWSObject(
        new JWSHeader.Builder(JWSAlgorithm.ES256).type(TYPE).keyID(keyId).build(),
        new Payload(json(payload)));
    try {
      jws.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("the relay's key cannot sign the audit head: "
          + e.getMessage(), e);
    }
    return new AuditSeal(seq, hash, now, keyId, jws.serialize());
  }

  private static String json(Map<String, Object> payload) {
    try {
      return JSON.writeValueAsString(payload);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
