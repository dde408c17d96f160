package dev.tether.relay.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.relay.config.ExternalIssuer;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AuthConfigTest {
  @Test
  void missingValuesGetTheDefaults() {
    AuthConfig config = new AuthConfig("https://relay.test", null, null, null);

    assertThat(config.clockSkew()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.maxTicketTtl()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.external()).isEmpty();
  }

  @Test
  void aClockSkewAboveThirtySecondsIsRefused() {
    assertThatThrownBy(
            () -> new AuthConfig("https://relay.test", Duration.ofSeconds(31), null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("30 s");
  }

  @Test
  void aTicketLifetimeAboveAMinuteIsRefused() {
    assertThatThrownBy(
            () -> new AuthConfig("https://relay.test", null, Duration.ofSeconds(61), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("60 s");
  }

  @Test
  void aBlankIssuerIsRefused() {
    assertThatThrownBy(() -> AuthConfig.defaults(" "))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anExternalJwksMustComeFromAFileOrOverTls() {
    assertThatThrownBy(
            () -> new ExternalIssuer("https://idp", "tether", URI.create("http://idp.example/jwks")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("https:");
    assertThat(new ExternalIssuer("https://idp", "tether", URI.create("http://localhost:8080/j")))
        .isNotNull();
    assertThat(new ExternalIssuer("https://idp", "tether", URI.create("https://idp/jwks")))
        .isNotNull();
  }

  @Test
  void anExternalIssuerMayNotPoseAsTheRelay() {
    ExternalIssuer idp =
        new ExternalIssuer("https://relay.test", "tether", URI.create("file:/tmp/jwks.json"));

    assertThatThrownBy(() -> new AuthConfig("https://relay.test", null, null, Optional.of(idp)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
