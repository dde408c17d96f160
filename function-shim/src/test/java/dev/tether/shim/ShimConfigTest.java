package dev.tether.shim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShimConfigTest {
  @Test
  void everyRelayUrlFormBecomesAWebSocketAgentUrl() {
    assertThat(ShimConfig.agentUrl(URI.create("http://127.0.0.1:9300")))
        .isEqualTo(URI.create("ws://127.0.0.1:9300/agent"));
    assertThat(ShimConfig.agentUrl(URI.create("https://relay.example/")))
        .isEqualTo(URI.create("wss://relay.example/agent"));
    assertThat(ShimConfig.agentUrl(URI.create("wss://relay.example/tether/agent")))
        .isEqualTo(URI.create("wss://relay.example/tether/agent"));
    assertThat(ShimConfig.agentUrl(URI.create("WS://relay.example:80/base")))
        .isEqualTo(URI.create("ws://relay.example:80/base/agent"));
  }

  @Test
  void otherSchemesCredentialsAndQueriesAreRefused() {
    assertThatThrownBy(() -> ShimConfig.agentUrl(URI.create("ftp://relay")))
        .hasMessageContaining("ws://, wss://, http:// or https://");
    assertThatThrownBy(() -> ShimConfig.agentUrl(URI.create("https://me:pw@relay")))
        .hasMessageContaining("--token");
    assertThatThrownBy(() -> ShimConfig.agentUrl(URI.create("https://relay/?token=x")))
        .hasMessageContaining("query");
  }

  @Test
  void theDefaultInstanceIdIsHostPidAndFourHexDigits() {
    ShimConfig config = ShimConfig.wrap("ws://r", "t", "orders", List.of("node", "a.js"));

    assertThat(config.instance())
        .matches("[A-Za-z0-9][A-Za-z0-9._-]*-" + ProcessHandle.current().pid() + "-[0-9a-f]{4}");
    assertThat(ShimConfig.wrap("ws://r", "t", "orders", List.of("node")).instance())
        .as("two shims in one process still differ")
        .isNotEqualTo(config.instance());
  }

  @Test
  void theTokenNeverAppearsInToString() {
    ShimConfig config = ShimConfig.wrap("ws://r", "very-secret-token", "orders", List.of("node", "a.js"));

    assertThat(config.toString()).doesNotContain("very-secret-token").contains("orders");
  }

  @Test
  void namesWithSpacesAreRefused() {
    assertThatThrownBy(() -> ShimConfig.wrap("ws://r", "t", "my function", List.of("node")))
        .hasMessageContaining("function name");
  }

  @Test
  void aFunctionNameTheRelayWouldRefuseIsRefusedAtStartWithTheShapeSpelledOut() {
    for (String name : List.of("orders/api", "orders\nforged", "-orders")) {
      assertThatThrownBy(() -> ShimConfig.wrap("ws://r", "t", name, List.of("node")))
          .hasMessageContaining("function name")
          .hasMessageContaining("letters, digits")
          .hasMessageNotContaining("\n");
    }
  }

  @Test
  void aWrappedCommandMayNotCarryTheAgentToken() {
    String token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJvcmRlcnMifQ.c2lnbmF0dXJl";

    assertThatThrownBy(() ->
        ShimConfig.wrap("ws://r", token, "orders", List.of("node", "server.js", token)))
        .hasMessageContaining("pass the token to the shim only");
  }
}
