package dev.tether.relay.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.protocol.ResumeSecret;
import dev.tether.protocol.StreamPosition;
import dev.tether.protocol.Target;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.config.AgentLimits;
import dev.tether.relay.config.RelayConfig;
import dev.tether.relay.config.RelayConfigFile;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgentLimitsTest {
  private final HelloBounds bounds = new HelloBounds(AgentLimits.defaults());

  @Test
  void theDefaultsAreSaneAndARelayHasThem() {
    AgentLimits limits = RelayConfig.defaults().agents();

    assertThat(limits.maxInstancesPerFunction()).isEqualTo(1000);
    assertThat(limits.maxRuntimeLength()).isEqualTo(128);
    assertThat(limits.maxShimVersionLength()).isEqualTo(64);
    assertThat(limits.maxTargets()).isEqualTo(32);
    assertThat(limits.maxTargetFieldLength()).isEqualTo(1024);
    assertThat(limits.maxStreamPositions()).isEqualTo(256);
  }

  @Test
  void theConfigFileSetsThemAndAnUnknownOrBadSettingSaysWhatToWrite() throws Exception {
    AgentLimits limits = RelayConfigFile.parse(
        "{\"agents\": {\"maxInstancesPerFunction\": 50, \"maxTargets\": 4}}").build().agents();

    assertThat(limits.maxInstancesPerFunction()).isEqualTo(50);
    assertThat(limits.maxTargets()).isEqualTo(4);
    assertThat(limits.maxRuntimeLength()).isEqualTo(AgentLimits.DEFAULT_MAX_RUNTIME_LENGTH);
    assertThatThrownBy(() -> RelayConfigFile.parse("{\"agents\": {\"maxInstances\": 5}}"))
        .hasMessageContaining("unknown setting 'agents.maxInstances'")
        .hasMessageContaining("maxInstancesPerFunction");
    assertThatThrownBy(() -> RelayConfigFile.parse(
            "{\"agents\": {\"maxInstancesPerFunction\": \"many\"}}"))
        .hasMessageContaining("positive whole number");
    assertThatThrownBy(() -> AgentLimits.defaults().withMaxInstancesPerFunction(2_000_000))
        .hasMessageContaining("agents.maxInstancesPerFunction must be between 1 and 1000000");
  }

  @Test
  void aRelayConfigFileCarriesThemUnderAgents(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path file = dir.resolve("relay.json");
    java.nio.file.Files.writeString(file, "{\"agents\": {\"maxInstancesPerFunction\": 7}}");

    assertThat(dev.tether.relay.config.RelayConfigFile.load(file).build().agents()
        .maxInstancesPerFunction()).isEqualTo(7);
  }

  @Test
  void aHelloAsARealShimSendsItFits() {
    TunnelMessage.Hello hello = new TunnelMessage.Hello("orders", "host-1-ab12", "node v20.11.1",
        List.of(new Target("6c1f-44", "node", "/srv/handler.js", "file:///srv/handler.js")),
        List.of("credit", "resume"), "0.1.0", true, List.of(new StreamPosition(1, 3, 0)),
        ResumeSecret.generate());

    assertThat(bounds.check(hello)).isEmpty();
  }

  @Test
  void eachOversizeFieldIsNamedWithItsSetting() {
    assertThat(bounds.check(hello("x".repeat(129), "v", List.of(), List.of())))
        .hasValueSatisfying(r -> assertThat(r).contains("runtime is 129 characters")
            .contains("agents.maxRuntimeLength"));
    assertThat(bounds.check(hello("node", "v".repeat(65), List.of(), List.of())))
        .hasValueSatisfying(r -> assertThat(r).contains("agents.maxShimVersionLength"));
    List<Target> many = new ArrayList<>();
    for (int i = 0; i < 33; i++) {
      many.add(new Target("t" + i, null, null, null));
    }
    assertThat(bounds.check(hello("node", "v", many, List.of())))
        .hasValueSatisfying(r -> assertThat(r).contains("agents.maxTargets"));
    assertThat(bounds.check(hello("node", "v",
            List.of(new Target("t", "node", "title", "file:///" + "u".repeat(1100))), List.of())))
        .hasValueSatisfying(r -> assertThat(r).contains("agents.maxTargetFieldLength"));
    List<StreamPosition> positions = new ArrayList<>();
    for (int i = 1; i <= 257; i++) {
      positions.add(new StreamPosition(i, 0, 0));
    }
    assertThat(bounds.check(hello("node", "v", List.of(), positions)))
        .hasValueSatisfying(r -> assertThat(r).contains("agents.maxStreamPositions"));
    assertThat(bounds.check(new TunnelMessage.Hello("orders", "i", "node", null,
            List.of("c".repeat(33)), "v")))
        .hasValueSatisfying(r -> assertThat(r).contains("capability"));
    assertThat(bounds.check(new TunnelMessage.Hello("orders", "i", "node", null, null, "v", true,
            null, "s".repeat(129))))
        .hasValueSatisfying(r -> assertThat(r).contains("resumeSecret"));
  }

  @Test
  void everyRefusalFitsACloseFrameReason() {
    String reason = bounds.check(hello("x".repeat(30_000), "v", List.of(), List.of())).orElseThrow();

    assertThat(reason.getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
        .isLessThanOrEqualTo(123);
  }

  @Test
  void controlAndLineBreakingCharactersAreRefusedWithoutRepeatingThem() {
    assertThat(bounds.unprintable(hello("node\nINFO forged line", "v", List.of(), List.of())))
        .hasValueSatisfying(r -> assertThat(r).contains("runtime").doesNotContain("forged"));
    assertThat(bounds.unprintable(hello("node", "v\u0000", List.of(), List.of())))
        .hasValueSatisfying(r -> assertThat(r).contains("shimVersion"));
    assertThat(bounds.unprintable(hello("node", "v",
            List.of(new Target("t", "node", "a\u2028b", "file:///x.js")), List.of())))
        .hasValueSatisfying(r -> assertThat(r).contains("target"));
    assertThat(bounds.unprintable(new TunnelMessage.Hello("orders\r\nx", "i", "node", null,
            null, "v")))
        .hasValueSatisfying(r -> assertThat(r).contains("function"));
    assertThat(bounds.unprintable(hello("node v20.11.1 (ünïcödé fine)", "0.1.0", List.of(
            new Target("6c1f", "node", "/srv/函数.js", "file:///srv/%E5%87%BD.js")), List.of())))
        .isEmpty();
  }

  private static TunnelMessage.Hello hello(
      String runtime, String shimVersion, List<Target> targets, List<StreamPosition> streams) {
    return new TunnelMessage.Hello("orders", "i-1", runtime, targets, List.of(), shimVersion,
        !streams.isEmpty(), streams, null);
  }
}
