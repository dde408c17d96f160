package dev.tether.relay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.relay.Relay;
import dev.tether.relay.testing.TestRelay;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class CliTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return Cli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void anUnknownCommandExits2AndShowsTheUsage() {
    assertThat(run("fly")).isEqualTo(2);
    assertThat(err()).contains("unknown command 'fly'").contains("token user --sub NAME");
  }

  @Test
  void helpAfterAnyCommandPrintsTheUsageAndExits0() {
    assertThat(run("token", "user", "--help")).isEqualTo(0);
    assertThat(out()).contains("token user --sub NAME").contains("--modes");
    assertThat(err()).isEmpty();
  }

  @Test
  void aUserTokenWithoutASubjectExits2SayingWhatToAdd(@TempDir Path dir) {
    assertThat(run("token", "user", "--functions", "orders", "--data-dir", dir.toString()))
        .isEqualTo(2);
    assertThat(err()).contains("--sub is required");
    assertThat(out()).isEmpty();
  }

  @Test
  void aDeveloperTokenWithoutFunctionsIsRefusedBecauseItWouldGrantNothing(@TempDir Path dir) {
    assertThat(run("token", "user", "--sub", "alice", "--data-dir", dir.toString())).isEqualTo(2);
    assertThat(err()).contains("--functions");
  }

  @Test
  void anAgentTokenForAMalformedFunctionNameIsRefusedBeforeItIsSigned(@TempDir Path dir) {
    assertThat(run("token", "agent", "--function", "orders\nforged", "--data-dir",
        dir.toString())).isEqualTo(2);
    assertThat(err()).contains("function name");
    assertThat(out()).isEmpty();
  }

  @Test
  void aBadDurationExits2WithTheFormsThatWork(@TempDir Path dir) {
    assertThat(run("token", "agent", "--function", "orders", "--ttl", "soon", "--data-dir",
        dir.toString())).isEqualTo(2);
    assertThat(err()).contains("90s, 30m, 8h, 7d or PT8H");
  }

  @Test
  void tokensFromTheCliAreAcceptedByTheRelayOfTheSameDataDirectory(@TempDir Path dir)
      throws Exception {
    try (TestRelay relay = TestRelay.start(dir)) {
      assertThat(run("token", "user", "--sub", "alice", "--functions", "orders", "--ttl", "30m",
          "--data-dir", dir.toString())).isEqualTo(0);
      String token = out().trim();

      assertThat(relay.call("GET", "/api/functions", token, null).statusCode()).isEqualTo(200);
      assertThat(err()).doesNotContain(token);
    }
  }

  @Test
  void theRelayCommandPrintsWhereItListens(@TempDir Path dir) throws Exception {
    try (Relay relay = RelayCommand.run(
        new String[] {"relay", "--port", "0", "--data-dir", dir.toString()},
        new PrintStream(out, true, StandardCharsets.UTF_8))) {
      assertThat(out().trim()).isEqualTo("listening on http://127.0.0.1:" + relay.port());
    }
  }

  @Test
  void aBadFlagValueForTheRelayExits2() {
    assertThat(run("relay", "--port", "99999")).isEqualTo(2);
    assertThat(err()).contains("port must be between 0 and 65535");
  }
}
