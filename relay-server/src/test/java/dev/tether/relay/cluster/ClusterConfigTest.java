package dev.tether.relay.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.relay.config.RelayConfig;
import dev.tether.relay.config.RelayConfigFile;
import dev.tether.relay.config.ClusterConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterConfigTest {
  @TempDir Path dir;

  private RelayConfig load(String json) throws Exception {
    Path file = dir.resolve("relay.json");
    Files.writeString(file, json);
    return RelayConfigFile.load(file).build();
  }

  @Test
  void theContractsExampleIsReadWithItsDefaults() throws Exception {
    ClusterConfig cluster = load("{\"cluster\": {\"nodeId\": \"relay-a\", \"redis\":"
        + " \"redis://10.0.0.9:6379/3\", \"peerUrl\": \"ws://10.0.0.5:9300\"}}").cluster()
        .orElseThrow();

    assertThat(cluster.nodeId()).isEqualTo("relay-a");
    assertThat(cluster.database()).isEqualTo(3);
    assertThat(cluster.registryTtl()).isEqualTo(Duration.ofSeconds(6));
    assertThat(cluster.renewEvery()).isEqualTo(Duration.ofSeconds(2));
    assertThat(cluster.pollInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(cluster.peerHttp().toString()).isEqualTo("http://10.0.0.5:9300");
  }

  @Test
  void thePollIntervalIsReadAndKeptWithinItsBounds() throws Exception {
    String section = "{\"cluster\": {\"nodeId\": \"a\", \"redis\": \"redis://h\","
        + " \"peerUrl\": \"ws://h:1\", \"pollInterval\": \"%s\"}}";

    assertThat(load(section.formatted("250ms")).cluster().orElseThrow().pollInterval())
        .isEqualTo(Duration.ofMillis(250));
    assertThatThrownBy(() -> load(section.formatted("10ms")))
        .hasMessageContaining("cluster.pollInterval must be between 100ms and 1m");
    assertThatThrownBy(() -> load(section.formatted("2m")))
        .hasMessageContaining("cluster.pollInterval");
  }

  @Test
  void aRelayWithoutTheSectionRunsAlone() throws Exception {
    assertThat(load("{\"port\": 0}").cluster()).isEmpty();
  }

  @Test
  void eachBadValueIsRefusedWithWhatToWrite() {
    assertThatThrownBy(() -> load("{\"cluster\": {\"nodeId\": \"a b\", \"redis\":"
        + " \"redis://h:6379\", \"peerUrl\": \"ws://h:1\"}}")).hasMessageContaining("nodeId");
    assertThatThrownBy(() -> load("{\"cluster\": {\"nodeId\": \"a\", \"redis\": \"http://h\","
        + " \"peerUrl\": \"ws://h:1\"}}")).hasMessageContaining("redis://");
    assertThatThrownBy(() -> load("{\"cluster\": {\"nodeId\": \"a\", \"redis\": \"redis://h\","
        + " \"peerUrl\": \"https://lb.example/x\"}}")).hasMessageContaining("peerUrl");
    assertThatThrownBy(() -> load("{\"cluster\": {\"nodeId\": \"a\", \"redis\": \"redis://h\","
        + " \"peerUrl\": \"ws://h:1\", \"registryTtl\": \"1s\"}}"))
        .hasMessageContaining("registryTtl");
    assertThatThrownBy(() -> load("{\"cluster\": {\"nodeId\": \"a\", \"redis\": \"redis://h\","
        + " \"peerUrl\": \"ws://h:1\", \"nodes\": 3}}")).hasMessageContaining("cluster.nodes");
  }

  @Test
  void aRedisPasswordIsNeverPrinted() throws Exception {
    RelayConfig config = load("{\"cluster\": {\"nodeId\": \"a\", \"redis\":"
        + " \"redis://:hunter2secret@10.0.0.9:6379/1\", \"peerUrl\": \"ws://h:1\"}}");

    assertThat(config.toString()).doesNotContain("hunter2secret").contains("10.0.0.9:6379/1");
    assertThatThrownBy(() -> load("{\"cluster\": {\"nodeId\": \"a\", \"redis\":"
        + " \"http://:hunter2secret@h\", \"peerUrl\": \"ws://h:1\"}}"))
        .message().doesNotContain("hunter2secret");
  }
}
