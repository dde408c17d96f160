package dev.tether.relay.audit;

import java.time.Instant;

/**
 * The relay's signature over a point of the chain: "record {@code seq} has hash {@code hash}",
 * signed at {@code signedAt} with the key {@code keyId}. Because every record's hash covers the
 * one before it, a seal vouches for the whole trail up to {@code seq}. Stored as {@code jws}, a
 * compact ES256 JWS whose payload holds the other fields.
 */
public record AuditSeal(long seq, String hash, Instant signedAt, String keyId, String jws) {}
