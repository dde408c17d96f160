package dev.tether.shim.layer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.testkit.Poll;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The layer's launcher, {@code src/layer/tether-shim}, as a platform runs it: the function is
 * exec'd first (same pid, output, exit code) and never sees Tether's variables; the shim is
 * started beside it with {@code --pid}. A stand-in "java" records what the shim would get.
 */
@Timeout(60)
class LauncherTest {
  private static final Path LAUNCHER = Path.of("src/layer/tether-shim").toAbsolutePath();
  private static final String TOKEN = "eyJhbGciOiJFUzI1NiJ9.agent-token-under-test.c2lnbmF0dXJl";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void theFunctionKeepsTheLaunchersPidOutputAndExitCodeAndSeesNoneOfTethersVariables()
      throws Exception {
    Path app = script("app.js", """
        const seen = Object.entries(process.env)
            .filter(([k, v]) => k.toUpperCase().startsWith('TETHER_') || v.includes('%s'))
            .map(([k]) => k);
        console.log(JSON.stringify({pid: process.pid, seen, options: process.env.NODE_OPTIONS,
            kept: process.env.KEPT}));
        process.exit(7);
        """.formatted(TOKEN));
    Process launcher = launch(List.of("--instance", "i-1", "--", "node", app.toString()),
        Map.of("OTHER_NAME", "Bearer " + TOKEN, "tether_lower", "x", "KEPT", "* yes\nexport X=1"));

    JsonNode function = JSON.readTree(launcher.inputReader().readLine());
    assertThat(launcher.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(launcher.exitValue()).isEqualTo(7);
    assertThat(function.path("pid").asLong()).as("exec'd: the platform's pid").isEqualTo(launcher.pid());
    assertThat(function.path("seen")).as("variables holding Tether's settings or token").isEmpty();
    assertThat(function.path("kept").asText()).isEqualTo("* yes\nexport X=1");
    String reports = dir.resolve("tmp/tether-reports-" + launcher.pid()).toString();
    assertThat(function.path("options").asText())
        .isEqualTo("--inspect-port=127.0.0.1:0 --inspect-publish-uid=http"
            + " --report-uncaught-exception --report-on-fatalerror --report-compact"
            + " --report-directory=\"" + reports + "\"");

    List<String> shim = awaitLines(dir.resolve("shim-args"));
    assertThat(shim).containsSubsequence("--pid", String.valueOf(launcher.pid()));
    assertThat(shim).containsSubsequence("--instance", "i-1").doesNotContain("node", "--");
    assertThat(Files.readString(dir.resolve("shim-env"))).contains("TETHER_AGENT_TOKEN=" + TOKEN)
        .contains("TETHER_REPORT_DIR=" + reports);
  }

  @Test
  void aReportDirectorySomeoneElseMadeFirstIsNeverGivenToNode() throws Exception {
    Path app = script("app.js", "console.log(process.env.NODE_OPTIONS); process.exit(0);");
    // exec keeps the pid the launcher names its directory after: make that directory first.
    Process launcher = launch(List.of("--", "node", app.toString()), Map.of(),
        "mkdir -m 755 \"$TMPDIR/tether-reports-$$\"");
    String options = launcher.inputReader().readLine();

    assertThat(launcher.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(options).startsWith("--inspect-port=").doesNotContain("--report");
    assertThat(String.join("\n", awaitLines(dir.resolve("shim-args")))).contains("--pid");
    assertThat(Files.readString(dir.resolve("shim-env"))).doesNotContain("TETHER_REPORT_DIR");
  }

  @Test
  void asAnExecWrapperItTakesTheRuntimesCommandWithoutDashes() throws Exception {
    Path app = script("app.js", "console.log(process.pid); process.exit(3);");
    Process launcher = launch(List.of("node", app.toString()), Map.of());

    assertThat(launcher.inputReader().readLine()).isEqualTo(String.valueOf(launcher.pid()));
    assertThat(launcher.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(launcher.exitValue()).isEqualTo(3);
    assertThat(awaitLines(dir.resolve("shim-args"))).containsSubsequence("--pid",
        String.valueOf(launcher.pid()));
  }

  @Test
  void aCommandHoldingTheAgentTokenIsRefusedBeforeAnythingStarts() throws Exception {
    Process launcher = launch(List.of("--", "node", "-e", "console.log('ran')", TOKEN), Map.of());

    assertThat(launcher.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(launcher.exitValue()).isEqualTo(2);
    assertThat(new String(launcher.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEmpty();
    assertThat(new String(launcher.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
        .contains("the wrapped command holds the agent token").doesNotContain(TOKEN);
    assertThat(dir.resolve("shim-args")).doesNotExist();
  }

  @Test
  void aTokenGivenWithTokenIsKeptOutOfTheCommandAndTheEnvironmentToo() throws Exception {
    String other = "a-token-given-on-the-command-line-0123456789";
    Process refused = launch(List.of("--token", other, "--", "node", "-e", "1", other), Map.of());
    assertThat(refused.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(refused.exitValue()).isEqualTo(2);

    Path app = script("env.js", "console.log(Object.values(process.env).some(v => v.includes('"
        + other + "')))");
    Process launcher = launch(List.of("--token=" + other, "--", "node", app.toString()),
        Map.of("PLATFORM_SECRET", other));
    assertThat(launcher.inputReader().readLine()).isEqualTo("false");
  }

  @ParameterizedTest
  @ValueSource(strings = {"--wait-for-debugger=5s", "--hold-for-function-sessions"})
  void holdingTheFunctionLeavesStartingItToTheShimInTheForeground(String option) throws Exception {
    Process launcher = launch(List.of(option, "--", "node", "app.js"), Map.of());

    assertThat(launcher.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.readAllLines(dir.resolve("shim-args")))
        .endsWith(option, "--", "node", "app.js");
    assertThat(Files.readString(dir.resolve("shim-pid")).trim())
        .as("the shim itself is the launcher's process").isEqualTo(String.valueOf(launcher.pid()));
  }

  private Process launch(List<String> args, Map<String, String> extra) throws IOException {
    return launch(args, extra, ":");
  }

  /** Runs {@code before} in the shell that then exec's the launcher (so it shares its pid). */
  private Process launch(List<String> args, Map<String, String> extra, String before)
      throws IOException {
    Path java = script("java", """
        #!/bin/sh
        while [ "$1" != -jar ]; do shift; done
        shift 2
        echo $$ > '%1$s/shim-pid'
        env > '%1$s/shim-env'
        printf '%%s\\n' "$@" > '%1$s/shim-args.tmp'
        mv '%1$s/shim-args.tmp' '%1$s/shim-args'
        """.formatted(dir));
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
    List<String> command = new ArrayList<>(List.of("/bin/sh", "-c",
        before + "\nexec /bin/sh \"$0\" \"$@\"", LAUNCHER.toString()));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("TETHER_"));
    builder.environment().remove("NODE_OPTIONS");
    builder.environment().putAll(Map.of(
        "TETHER_SHIM_JAVA", java.toString(),
        "TETHER_SHIM_JAR", "/nonexistent/tether-shim.jar",
        "TETHER_RELAY_URL", "ws://127.0.0.1:9",
        "TETHER_AGENT_TOKEN", TOKEN,
        "TETHER_FUNCTION", "orders",
        "TMPDIR", Files.createDirectories(dir.resolve("tmp")).toString()));
    builder.environment().putAll(extra);
    return builder.start();
  }

  private Path script(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text);
  }

  /** The shim runs in the background: its record appears (atomically) soon after the function. */
  private static List<String> awaitLines(Path file) throws Exception {
    Poll.until(Duration.ofSeconds(20), file + " to be written", () -> Files.exists(file));
    return Files.readAllLines(file);
  }
}
