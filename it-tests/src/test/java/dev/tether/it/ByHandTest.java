package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.testkit.cdp.CdpClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * README's "By hand" block, run by bash line by line exactly as printed (only its two port numbers
 * are swapped for free ones, so it cannot collide with a demo or another test run), with the token
 * command started right after {@code ./tether relay &}; then the session it opened pauses the
 * function on a breakpoint.
 */
@Timeout(180)
class ByHandTest {
  private static final Pattern BLOCK =
      Pattern.compile("### By hand.*?```sh\\n(.*?)```", Pattern.DOTALL);

  @Test
  void theReadmesByHandBlockPastedAsIsEndsWithTheFunctionPausedOnABreakpoint() throws Exception {
    String readme = Files.readString(TetherStack.ROOT.resolve("README.md"));
    Matcher block = BLOCK.matcher(readme);
    assertThat(block.find()).as("README.md has a By hand section with a sh block").isTrue();
    String script = block.group(1);
    java.util.List<String> lines = script.lines().toList();
    assertThat(lines.get(0)).startsWith("./tether relay --port 9510 &");
    assertThat(lines.get(1)).as("the token command right after the relay, before it is up")
        .contains("./tether token agent --function orders");
    assertThat(script).contains("./tether shim").contains("/api/sessions");

    int relayPort = TetherStack.freePort();
    int functionPort = TetherStack.freePort();
    String ours = script.replace("9510", Integer.toString(relayPort))
        .replace("9511", Integer.toString(functionPort));

    try (ShellScript shell = ShellScript.start(ours)) {
      assertThat(shell.await(Duration.ofSeconds(120)))
          .as("the block's exit status; stderr:\n%s", shell.stderr()).isEqualTo(0);
      String stdout = shell.stdout();
      assertThat(stdout).contains("listening on http://127.0.0.1:" + relayPort);
      assertThat(stdout).contains("\"function\":\"orders\",\"instances\":[{");
      JsonNode session = CdpClient.JSON.readTree(stdout.substring(stdout.indexOf("{\"sessionId\"")));
      assertThat(session.path("webSocketDebuggerUrl").asText())
          .startsWith("ws://127.0.0.1:" + relayPort + "/devtools/");

      try (CdpClient devtools = CdpClient.connect(URI.create(session.path("webSocketDebuggerUrl").asText()))) {
        devtools.send("Debugger.enable");
        int line = TetherStack.lineOf("examples/orders/handler.js", "const tax =");
        devtools.send("Debugger.setBreakpointByUrl", "lineNumber", line, "urlRegex", "handler\\.js$");
        HttpClient http = HttpClient.newHttpClient();
        CompletableFuture<HttpResponse<String>> invocation = http.sendAsync(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + functionPort + "/"))
                .POST(HttpRequest.BodyPublishers.ofString(
                    "{\"customer\":\"ada\",\"items\":[{\"unitPrice\":4.5,\"quantity\":2}]}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

        JsonNode paused = devtools.awaitEvent("Debugger.paused", Duration.ofSeconds(30));
        JsonNode frame = paused.path("params").path("callFrames").get(0);
        assertThat(frame.path("location").path("lineNumber").asInt()).isEqualTo(line);
        assertThat(invocation).as("the invocation waits at the breakpoint").isNotDone();

        devtools.send("Debugger.resume");
        assertThat(invocation.get(20, java.util.concurrent.TimeUnit.SECONDS).statusCode())
            .isEqualTo(200);
      }
      // README's admin token for this relay, pasted in a second terminal.
      String adminCommand = readme.lines().filter(l -> l.startsWith("./tether token user")
              && l.contains("--role admin") && !l.contains("--data-dir")).findFirst().orElseThrow()
          .replaceFirst("\\s+#.*", "");
      try (ShellScript second = shell.beside(adminCommand + "\n")) {
        assertThat(second.await(Duration.ofSeconds(60))).as(second.stderr()).isZero();
        HttpResponse<Void> admin = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relayPort + "/api/admin/sessions"))
                .header("Authorization", "Bearer " + second.stdout().trim()).build(),
            HttpResponse.BodyHandlers.discarding());
        assertThat(admin.statusCode()).as("README's admin token on the by-hand relay").isEqualTo(200);
      }
      assertThat(shell.stderr()).as("the tokens never reach the terminal")
          .doesNotContain(session.path("webSocketDebuggerUrl").asText().replaceAll(".*/", ""));
    }
  }
}
