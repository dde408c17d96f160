package dev.tether.relay.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RelayConfigTest {
  @Test
  void defaultsListenOnLoopbackPort9300WithSafeLimits() {
    RelayConfig config = RelayConfig.defaults();

    assertThat(config.host()).isEqualTo("127.0.0.1");
    assertThat(config.port()).isEqualTo(9300);
    assertThat(config.dataDir()).isEqualTo(Path.of(".tether", "data"));
    assertThat(config.maxMessageBytes()).isEqualTo(64L * 1024 * 1024);
    assertThat(config.ticketTtl()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.maxSessionDuration()).isEqualTo(Duration.ofHours(8));
    assertThat(config.heartbeat()).isEqualTo(Duration.ofSeconds(20));
    assertThat(config.ticketsPerMinute()).isEqualTo(60);
    assertThat(config.publicUrlFor(9300)).isEqualTo(URI.create("http://127.0.0.1:9300"));
  }

  @Test
  void aWildcardHostStillYieldsAUsablePublicUrl() {
    RelayConfig config = RelayConfig.builder().host("0.0.0.0").build();

    assertThat(config.publicUrlFor(4000)).isEqualTo(URI.create("http://127.0.0.1:4000"));
  }

  @Test
  void aConfiguredPublicUrlWinsAndLosesItsTrailingSlash() {
    RelayConfig config =
        RelayConfig.builder().publicUrl(URI.create("https://relay.example.com/")).build();

    assertThat(config.publicUrlFor(9300)).isEqualTo(URI.create("https://relay.example.com"));
  }

  @Test
  void badValuesAreRefusedWithAMessageThatSaysWhatToWrite() {
    assertThatThrownBy(() -> RelayConfig.builder().port(70000).build())
        .hasMessageContaining("port must be between 0 and 65535");
    assertThatThrownBy(() -> RelayConfig.builder().publicUrl(URI.create("relay.example.com")).build())
        .hasMessageContaining("https://relay.example.com");
    assertThatThrownBy(() -> RelayConfig.builder().ticketTtl(Duration.ofMinutes(5)).build())
        .hasMessageContaining("ticketTtl must be between 1s and 1m, was 5m");
    assertThatThrownBy(() -> RelayConfig.builder().consoleOrigins(List.of("https://c.example/app")).build())
        .hasMessageContaining("must be an origin like https://console.example.com");
    assertThatThrownBy(() -> RelayConfig.builder().maxMessageBytes(1000).build())
        .hasMessageContaining("maxMessageSize must be between 64 KiB and 1 GiB");
  }

  @Test
  void consoleOriginsAreNormalisedAsBrowsersSendThem() {
    RelayConfig config = RelayConfig.builder().consoleOrigins(List.of(
        "https://Console.Example.com:8443", "https://c.example.com:443/")).build();

    assertThat(config.consoleOrigins())
        .containsExactly("https://console.example.com:8443", "https://c.example.com");
  }

  @Test
  void aConfigFileIsReadAndFlagsOverrideIt(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("relay.json");
    Files.writeString(file, """
        {"host": "0.0.0.0", "port": 9400, "maxMessageSize": "16MiB", "idleTimeout": "5m",
         "consoleOrigins": ["https://console.example.com"],
         "externalIssuer": {"issuer": "https://idp.example.com", "audience": "tether",
                            "jwks": "https://idp.example.com/jwks.json"}}
        """);

    RelayConfig config = RelayConfigFile.load(file).port(9500).build();

    assertThat(config.host()).isEqualTo("0.0.0.0");
    assertThat(config.port()).isEqualTo(9500);
    assertThat(config.maxMessageBytes()).isEqualTo(16L * 1024 * 1024);
    assertThat(config.idleTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.externalIssuer()).hasValueSatisfying(
        idp -> assertThat(idp.audience()).isEqualTo("tether"));
  }

  @Test
  void aConfigFileWithAnUnknownSettingNamesTheKnownOnes(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("relay.json");
    Files.writeString(file, "{\"prot\": 9300}");

    assertThatThrownBy(() -> RelayConfigFile.load(file))
        .hasMessageContaining("unknown setting 'prot'")
        .hasMessageContaining("port");
  }

  @Test
  void theTicketMintingLimitIsReadFromTheFileAndMustBePositive(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("relay.json");
    Files.writeString(file, "{\"ticketsPerMinute\": 120}");

    assertThat(RelayConfigFile.load(file).build().ticketsPerMinute()).isEqualTo(120);
    assertThatThrownBy(() -> RelayConfig.builder().ticketsPerMinute(-1).build())
        .hasMessageContaining("ticketsPerMinute must be between 1 and 100000");
  }

  @Test
  void durationsReadTheWayPeopleWriteThem() {
    assertThat(Durations.parse("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Durations.parse("30m")).isEqualTo(Duration.ofMinutes(30));
    assertThat(Durations.parse("8h")).isEqualTo(Duration.ofHours(8));
    assertThat(Durations.parse("7d")).isEqualTo(Duration.ofDays(7));
    assertThat(Durations.parse("PT8H")).isEqualTo(Duration.ofHours(8));
    assertThat(Durations.format(Duration.ofHours(8))).isEqualTo("8h");
    assertThatThrownBy(() -> Durations.parse("eight hours"))
        .hasMessageContaining("write it like 90s, 30m, 8h, 7d or PT8H");
  }

  @Test
  void everySectionRefusesAKeyItDoesNotKnowNamingItsPathAndTheKnownOnes() {
    assertThatThrownBy(() -> RelayConfigFile.parse("{\"audit\": {\"stor\": \"file\"}}"))
        .hasMessageContaining("unknown setting 'audit.stor'").hasMessageContaining("store");
    assertThatThrownBy(() -> RelayConfigFile.parse("{\"externalIssuer\": {\"issuer\": \"i\","
        + " \"audience\": \"a\", \"jwks\": \"https://idp/jwks\", \"aud\": \"x\"}}"))
        .hasMessageContaining("unknown setting 'externalIssuer.aud'")
        .hasMessageContaining("audience");
    assertThatThrownBy(() -> RelayConfigFile.parse("{\"limits\": {\"pauseWarning\": 5}}"))
        .hasMessageContaining("limits.pauseWarning must be a string");
  }

  @Test
  void sizesAreReadWithOrWithoutTheirUnit() {
    assertThat(Sizes.parse("65536")).isEqualTo(65536);
    assertThat(Sizes.parse("512KiB")).isEqualTo(512 * 1024);
    assertThat(Sizes.parse(" 64 mb")).isEqualTo(64L * 1024 * 1024);
    assertThat(Sizes.parse("1GiB")).isEqualTo(1024L * 1024 * 1024);
    assertThatThrownBy(() -> Sizes.parse("lots"))
        .hasMessageContaining("write it like 65536, 512KiB or 64MiB");
    assertThat(RelayConfigFile.parse("{\"audit\": {\"rotateSize\": \"2MiB\"}}").build()
        .audit().rotateBytes()).isEqualTo(2L * 1024 * 1024);
  }
}
