package dev.tether.relay.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Agent tokens this relay verified lately, so that thousands of instances of one function
 * dialling in with the same token (after a node of the cluster died, or at a deploy) cost one
 * signature check, not one each (an ES256 check is most of an agent's registration CPU).
 *
 * <p>Only a success is kept, under the SHA-256 of the exact token text, so any other text (a
 * forged signature, another claim) misses and gets the full check. A hit is honoured only before
 * the token's own expiry (without the clock skew the full check allows) and for at most
 * {@link #MAX_AGE} after it was checked; the cache holds at most {@link #MAX_ENTRIES} tokens and
 * starts over when full, so it never grows with what callers send.
 */
final class AgentTokenCache {
  static final Duration MAX_AGE = Duration.ofMinutes(1);
  static final int MAX_ENTRIES = 4096;

  private record Entry(AgentPrincipal agent, Instant validUntil) {}

  private final Map<String, Entry> verified = new ConcurrentHashMap<>();
  private final Clock clock;

  AgentTokenCache(Clock clock) {
    this.clock = clock;
  }

  /** The agent of {@code token} if it was verified lately and has not expired since. */
  Optional<AgentPrincipal> find(String token) {
    String key = key(token);
    Entry entry = verified.get(key);
    if (entry == null) {
      return Optional.empty();
    }
    if (!clock.instant().isBefore(entry.validUntil())) {
      verified.remove(key, entry);
      return Optional.empty();
    }
    return Optional.of(entry.agent());
  }

  /** Remembers that {@code token} verified as {@code agent} and expires at {@code expiresAt}. */
  void put(String token, AgentPrincipal agent, Instant expiresAt) {
    Instant until = clock.instant().plus(MAX_AGE);
    if (expiresAt.isBefore(until)) {
      until = expiresAt;
    }
    if (verified.size() >= MAX_ENTRIES) {
      verified.clear(); // many distinct tokens at once: start over rather than grow
    }
    verified.put(key(token), new Entry(agent, until));
  }

  int size() {
    return verified.size();
  }

  private static String key(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
