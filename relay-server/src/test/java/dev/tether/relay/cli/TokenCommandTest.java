package dev.tether.relay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.relay.RunningRelay;
import dev.tether.relay.testing.TestRelay;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tether token} signs as the relay that will check the token, or refuses: started right
 * after {@code tether relay &} it waits for that relay instead of guessing its issuer.
 */
@Timeout(60)
class TokenCommandTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return Cli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void aTokenAskedForBeforeItsRelayHasStartedWaitsAndIsAcceptedByThatRelay(@TempDir Path dir)
      throws Exception {
    // `./tether relay --port … &` then at once `./tether token agent …`: the token runs first.
    CompletableFuture<Integer> token = CompletableFuture.supplyAsync(() -> run(
        "token", "user", "--sub", "alice", "--functions", "orders", "--data-dir", dir.toString()));
    await(() -> err.toString(StandardCharsets.UTF_8).contains("waiting up to 30s for the relay"));

    try (TestRelay relay = TestRelay.start(dir)) { // port 0: an issuer nobody could guess
      assertThat(token.get(20, TimeUnit.SECONDS)).isEqualTo(0);
      String signed = out.toString(StandardCharsets.UTF_8).trim();
      assertThat(relay.call("GET", "/api/functions", signed, null).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void withoutARunningRelayTheTokenIsRefusedWithWhatToDoInsteadOfAGuessedIssuer(@TempDir Path dir)
      throws Exception {
    // A relay ran here before and left its issuer behind; it is gone now.
    TestRelay.start(dir).close();

    assertThat(run("token", "agent", "--function", "orders", "--data-dir", dir.toString(),
        "--wait", "1s")).isEqualTo(1);

    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("no relay is running with --data-dir " + dir)
        .contains("(waited 1s)")
        .contains("./tether relay --data-dir " + dir)
        .contains("--public-url URL");
  }

  @Test
  void aRelayThatWasKilledDoesNotCountAsRunning(@TempDir Path dir) throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    new RunningRelay(gone.pid(), "http://127.0.0.1:9300", "http://127.0.0.1:9300/").write(dir);

    assertThat(run("token", "agent", "--function", "orders", "--data-dir", dir.toString(),
        "--wait", "0s")).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("no relay is running");
  }

  @Test
  void aStoppedRelayRemovesItsNoteAndARunningOneKeepsIt(@TempDir Path dir) throws Exception {
    try (TestRelay relay = TestRelay.start(dir)) {
      assertThat(RunningRelay.find(dir)).get()
          .extracting(RunningRelay::issuer).isEqualTo(relay.relay().publicUrl().toString());
    }
    assertThat(Files.exists(dir.resolve(RunningRelay.FILE))).isFalse();
  }

  @Test
  void anExplicitPublicUrlSignsForThatRelayWithoutWaiting(@TempDir Path dir) throws Exception {
    dev.tether.relay.auth.SigningKeys.loadOrCreate(dir); // that relay's keys, copied here

    assertThat(run("token", "agent", "--function", "orders", "--data-dir", dir.toString(),
        "--public-url", "https://relay.example.com")).isEqualTo(0);
    assertThat(err.toString(StandardCharsets.UTF_8)).doesNotContain("waiting");
  }

  @Test
  void anExplicitPublicUrlWithoutThatRelaysKeyIsRefusedAndMakesNoKey(@TempDir Path dir) {
    assertThat(run("token", "agent", "--function", "orders", "--data-dir", dir.toString(),
        "--public-url", "https://relay.example.com")).isNotZero();

    assertThat(err.toString(StandardCharsets.UTF_8)).contains("there is no signing key");
    assertThat(dev.tether.relay.auth.SigningKeys.keyFile(dir)).doesNotExist();
  }

  @Test
  void aMistypedCommandGetsTheCommandItProbablyMeant() {
    assertThat(run("dmeo")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("unknown command 'dmeo'; did you mean 'demo'?");
  }

  private static void await(java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as("condition within 10s").isNegative();
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }
}
