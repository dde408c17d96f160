package dev.tether.shim.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FunctionEnvironmentTest {
  private static final String TOKEN = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJvcmRlcnMifQ.c2lnbmF0dXJl";

  @Test
  void theFunctionGetsNoTetherVariableAtAll() {
    Map<String, String> shim = Map.of(
        "TETHER_AGENT_TOKEN", TOKEN,
        "TETHER_RELAY_URL", "wss://relay.example",
        "TETHER_FUNCTION", "orders",
        "TETHER_INSTANCE", "i-1",
        "TETHER_TOKEN", "a-user-token",
        "TETHER_LOG_FORMAT", "json",
        "tether_agent_token", TOKEN,
        "PATH", "/usr/bin",
        "DATABASE_URL", "postgres://db/orders");

    assertThat(FunctionEnvironment.of(shim, TOKEN))
        .containsOnly(Map.entry("PATH", "/usr/bin"),
            Map.entry("DATABASE_URL", "postgres://db/orders"));
  }

  @Test
  void aVariableOfAnyNameThatHoldsTheAgentTokenIsDropped() {
    Map<String, String> shim = Map.of(
        "PLATFORM_SECRET", TOKEN,
        "AUTH_HEADER", "Bearer " + TOKEN,
        "HOME", "/home/fn");

    assertThat(FunctionEnvironment.of(shim, TOKEN)).containsOnlyKeys("HOME");
  }

  @Test
  void aCommandThatCarriesTheAgentTokenIsRefusedWithAReason() {
    assertThatThrownBy(() ->
        FunctionEnvironment.checkCommand(List.of("node", "server.js", "--token=" + TOKEN), TOKEN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("holds the agent token")
        .hasMessageNotContaining(TOKEN);
    FunctionEnvironment.checkCommand(List.of("node", "server.js"), TOKEN);
  }
}
