package dev.tether.relay.devtools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.relay.config.RelayConfig;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class OriginPolicyTest {
  private final OriginPolicy policy = new OriginPolicy(URI.create("https://Relay.example.com:443"),
      RelayConfig.builder().consoleOrigins(List.of("https://console.example.com:443/"))
          .build().consoleOrigins());

  @Test
  void aConsoleOriginWrittenWithItsDefaultPortAcceptsTheOriginABrowserSends() {
    assertThat(policy.allows("https://console.example.com")).isTrue();
    assertThat(policy.allows("https://console.example.com:443")).isTrue();
  }

  @Test
  void theRelaysOwnPagesChromesDevToolsAndClientsWithoutOriginMayConnect() {
    assertThat(policy.allows("https://relay.example.com")).isTrue();
    assertThat(policy.allows("devtools://devtools")).isTrue();
    assertThat(policy.allows(null)).isTrue();
  }

  @Test
  void anyOtherPageIsRefused() {
    assertThat(policy.allows("https://evil.example.net")).isFalse();
    assertThat(policy.allows("http://console.example.com")).as("another scheme").isFalse();
    assertThat(policy.allows("https://console.example.com:8443")).as("another port").isFalse();
    assertThat(policy.allows("null")).isFalse();
    assertThat(policy.allows("https://console.example.com.evil.example.net")).isFalse();
  }
}
