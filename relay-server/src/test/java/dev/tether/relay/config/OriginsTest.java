package dev.tether.relay.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

class OriginsTest {
  @Test
  void defaultPortsAreDroppedAndOthersKept() {
    assertThat(Origins.normalise("https://console.example.com:443"))
        .isEqualTo("https://console.example.com");
    assertThat(Origins.normalise("http://console.example.com:80"))
        .isEqualTo("http://console.example.com");
    assertThat(Origins.normalise("https://console.example.com:8443"))
        .isEqualTo("https://console.example.com:8443");
    assertThat(Origins.normalise("http://console.example.com:443"))
        .as("443 is only https's default").isEqualTo("http://console.example.com:443");
    assertThat(Origins.ofHeader("https://console.example.com:443"))
        .hasValue("https://console.example.com");
    assertThat(Origins.of(URI.create("https://relay.example.com:443")))
        .isEqualTo("https://relay.example.com");
  }

  @Test
  void schemeAndHostAreLowerCase() {
    assertThat(Origins.normalise("HTTPS://Console.Example.COM"))
        .isEqualTo("https://console.example.com");
    assertThat(Origins.ofHeader("https://Console.Example.com"))
        .hasValue("https://console.example.com");
    assertThat(Origins.normalise("http://[::1]:9300")).isEqualTo("http://[::1]:9300");
  }

  @Test
  void aTrailingSlashInTheConfigIsToleratedButAPathIsNot() {
    assertThat(Origins.normalise("https://console.example.com/"))
        .isEqualTo("https://console.example.com");
    assertThat(Origins.normalise(" https://console.example.com:443/ "))
        .isEqualTo("https://console.example.com");
    assertThatThrownBy(() -> Origins.normalise("https://console.example.com/app"))
        .hasMessageContaining("must be an origin like https://console.example.com");
    assertThatThrownBy(() -> Origins.normalise("https://console.example.com?x=1"))
        .hasMessageContaining("must be an origin");
  }

  @Test
  void onlyHttpAndHttpsOriginsCanBeConfigured() {
    assertThatThrownBy(() -> Origins.normalise("javascript:alert(1)"))
        .hasMessageContaining("must be an origin");
    assertThatThrownBy(() -> Origins.normalise("file:///tmp")).hasMessageContaining("origin");
    assertThatThrownBy(() -> Origins.normalise("https://user@console.example.com"))
        .hasMessageContaining("origin");
    assertThatThrownBy(() -> Origins.normalise("console.example.com"))
        .hasMessageContaining("origin");
  }

  @Test
  void aHeaderThatNamesNoOriginIsNone() {
    assertThat(Origins.ofHeader(null)).isEmpty();
    assertThat(Origins.ofHeader("null")).as("an opaque origin").isEmpty();
    assertThat(Origins.ofHeader("not a url")).isEmpty();
    assertThat(Origins.ofHeader("https://console.example.com/path")).isEmpty();
    assertThat(Origins.ofHeader("https://evil@console.example.com")).isEmpty();
    assertThat(Origins.ofHeader("devtools://devtools")).hasValue("devtools://devtools");
  }
}
