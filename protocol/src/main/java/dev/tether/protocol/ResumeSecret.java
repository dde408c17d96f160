package dev.tether.protocol;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The per-instance secret that proves a hello comes from the connection that registered the
 * instance: the relay makes one for each new instance and hands it over in the {@link
 * TunnelMessage.Welcome} only; the shim keeps it in memory and shows it in its resuming {@link
 * TunnelMessage.Hello}. An agent token alone registers new instances, never takes over live ones.
 */
public final class ResumeSecret {
  /** 256 random bits: guessing is hopeless, and the text stays short (43 characters). */
  public static final int BYTES = 32;
  /** The longest secret a peer may send; anything longer is not one of ours. */
  public static final int MAX_CHARS = 128;

  private static final SecureRandom RANDOM = new SecureRandom();

  private ResumeSecret() {}

  /** A fresh secret: {@value #BYTES} random bytes, base64url without padding. */
  public static String generate() {
    byte[] bytes = new byte[BYTES];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /**
   * Whether {@code offered} is {@code expected}, in time that does not depend on how much of it
   * is right (so the secret cannot be found a character at a time). Null never matches.
   */
  public static boolean matches(String expected, String offered) {
    if (expected == null || offered == null) {
      return false;
    }
    return MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.UTF_8), offered.getBytes(StandardCharsets.UTF_8));
  }
}
