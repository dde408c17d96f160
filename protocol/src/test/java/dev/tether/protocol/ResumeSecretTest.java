package dev.tether.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ResumeSecretTest {
  @Test
  void aSecretIsAtLeast128RandomBitsInBase64Url() {
    String secret = ResumeSecret.generate();

    assertThat(secret).matches("[A-Za-z0-9_-]{43}");
    assertThat(Base64.getUrlDecoder().decode(secret)).hasSizeGreaterThanOrEqualTo(16);
  }

  @Test
  void noTwoSecretsAreAlike() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      seen.add(ResumeSecret.generate());
    }

    assertThat(seen).hasSize(1000);
  }

  @Test
  void onlyTheVerySameSecretMatches() {
    String secret = ResumeSecret.generate();

    assertThat(ResumeSecret.matches(secret, new String(secret))).isTrue();
    assertThat(ResumeSecret.matches(secret, secret.substring(1))).isFalse();
    assertThat(ResumeSecret.matches(secret, secret + "x")).isFalse();
    assertThat(ResumeSecret.matches(secret, ResumeSecret.generate())).isFalse();
    assertThat(ResumeSecret.matches(secret, null)).isFalse();
    assertThat(ResumeSecret.matches(null, null)).isFalse();
    assertThat(ResumeSecret.matches(secret, "")).isFalse();
  }
}
