package dev.tether.relay.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.relay.connect.LocalEndpoint;
import dev.tether.relay.testing.TestRelay;
import dev.tether.testkit.tunnel.FakeShim;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code tether connect}'s command line: where the token comes from and what it prints. */
@Timeout(30)
class ConnectCommandTest {
  private static final String[] ARGS =
      {"connect", "--relay", "http://127.0.0.1:9300/", "--function", "orders"};

  @Test
  void withoutATokenItSaysToSetTetherToken() {
    assertThatThrownBy(() -> ConnectCommand.config(args(ARGS), Map.of()))
        .isInstanceOf(UsageException.class).hasMessageContaining("TETHER_TOKEN");
  }

  @Test
  void theTokenComesFromTetherTokenAndTheOptionWins() {
    assertThat(ConnectCommand.config(args(ARGS), Map.of("TETHER_TOKEN", "from-env")).token())
        .isEqualTo("from-env");
    String[] withOption = {"connect", "--relay", "http://127.0.0.1:9300", "--function", "orders",
        "--token", "from-option"};
    assertThat(ConnectCommand.config(args(withOption), Map.of("TETHER_TOKEN", "from-env")).token())
        .isEqualTo("from-option");
  }

  @Test
  void badOptionsAreUsageErrorsThatSayWhatToWrite() {
    Map<String, String> env = Map.of("TETHER_TOKEN", "t");
    assertThatThrownBy(() -> ConnectCommand.config(
        args("connect", "--relay", "http://r", "--function", "orders", "--mode", "root"), env))
        .hasMessageContaining("full or readonly");
    assertThatThrownBy(() -> ConnectCommand.config(args("connect", "--function", "orders"), env))
        .hasMessageContaining("--relay is required");
    assertThatThrownBy(() -> ConnectCommand.config(
        args("connect", "--relay", "ftp://r", "--function", "orders"), env))
        .hasMessageContaining("https://");
  }

  @Test
  void itPrintsWhatToPasteIntoEachDebuggerAndNeverTheToken(@TempDir Path dataDir) throws Exception {
    try (TestRelay relay = TestRelay.start(dataDir);
        FakeShim agent = FakeShim.register(relay.agentUri(), relay.agentToken("orders"),
            "orders", "i-1")) {
      relay.awaitInstance("orders", "i-1");
      String token = relay.userToken("alice", "orders");
      ByteArrayOutputStream out = new ByteArrayOutputStream();

      try (LocalEndpoint endpoint = ConnectCommand.run(
          new String[] {"connect", "--relay", relay.relay().uri("/").toString(), "--function",
              "orders", "--port", "0"},
          Map.of("TETHER_TOKEN", token), new PrintStream(out, true, StandardCharsets.UTF_8))) {
        String printed = out.toString(StandardCharsets.UTF_8);
        int port = endpoint.port();
        assertThat(printed)
            .contains("listening on http://127.0.0.1:" + port)
            .contains("live instances: i-1")
            .contains("chrome://inspect  Configure… → add localhost:" + port)
            .contains("Attach to Node.js/Chrome: host localhost, port " + port)
            .contains("\"request\": \"attach\"").contains("\"port\": " + port)
            .doesNotContain(token);
      }
    }
  }

  @Test
  void withNothingToDebugItSaysWhatToCheckAndKeepsListening(@TempDir Path dataDir)
      throws Exception {
    try (TestRelay relay = TestRelay.start(dataDir);
        FakeShim agent = FakeShim.register(relay.agentUri(), relay.agentToken("orders"),
            "orders", "i-1")) {
      relay.awaitInstance("orders", "i-1");
      ByteArrayOutputStream out = new ByteArrayOutputStream();

      try (LocalEndpoint endpoint = ConnectCommand.run(
          new String[] {"connect", "--relay", relay.relay().uri("/").toString(), "--function",
              "orders", "--port", "0"},
          Map.of("TETHER_TOKEN", relay.userToken("alice", "payments")),
          new PrintStream(out, true, StandardCharsets.UTF_8))) {
        assertThat(out.toString(StandardCharsets.UTF_8))
            .contains("no live instance of orders that this token may debug")
            .contains("does the token grant orders?");
        assertThat(endpoint.liveInstances()).isEmpty();
      }
    }
  }

  @Test
  void aTokenTheRelayRefusesFailsAtStartWithTheRelaysReason(@TempDir Path dataDir)
      throws Exception {
    try (TestRelay relay = TestRelay.start(dataDir)) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int status = Cli.run(new String[] {"connect", "--relay", relay.relay().uri("/").toString(),
              "--function", "orders", "--port", "0", "--token", "expired-or-forged"},
          new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));

      assertThat(status).isEqualTo(1);
      assertThat(err.toString(StandardCharsets.UTF_8)).contains("the relay refused")
          .contains("HTTP 401").doesNotContain("expired-or-forged");
    }
  }

  private static Args args(String... argv) {
    return Args.parse("connect", argv, 1, ConnectCommand.OPTIONS);
  }
}
