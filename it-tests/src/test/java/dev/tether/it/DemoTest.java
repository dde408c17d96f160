package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.testkit.Poll;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code ./tether demo} as a newcomer runs it: killed with {@code kill -9} it leaves nothing
 * behind, and it never prints its success banner for a function that did not start.
 */
@Timeout(180)
class DemoTest {
  private static final String BANNER = "Tether demo is running";

  @Test
  void killingTheDemoWithSigkillTakesItsShimAndFunctionWithIt() throws Exception {
    int port = TetherStack.freePort();
    try (ShellScript shell = ShellScript.start("./tether demo --port " + port + "\n")) {
      Poll.until(Duration.ofSeconds(90), "the demo's banner", () -> shell.stdout().contains(BANNER));
      ProcessHandle demo = shell.process().children().findFirst().orElseThrow();
      List<ProcessHandle> left = demo.descendants().toList();
      assertThat(left).as("the shim and node under the demo").hasSizeGreaterThanOrEqualTo(2);

      demo.destroyForcibly(); // kill -9: no shutdown hook runs

      Poll.until(Duration.ofSeconds(30), "the shim and node to exit with the demo",
          () -> left.stream().noneMatch(ProcessHandle::isAlive));
      assertThat(free(port + 1)).as("the function's port is free again").isTrue();
    }
  }

  @Test
  void aDemoWhoseFunctionCannotHaveItsPortRefusesInsteadOfReportingSuccess() throws Exception {
    int port = TetherStack.freePort();
    ServerSocket taken = null;
    while (taken == null) { // port + 1 may belong to another process: then try another port
      try {
        taken = new ServerSocket();
        taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port + 1));
      } catch (BindException e) {
        taken.close();
        taken = null;
        port = TetherStack.freePort();
      }
    }
    try (ServerSocket leftover = taken) { // a function an earlier demo left behind
      try (ShellScript shell = ShellScript.start("./tether demo --port " + port + "\n")) {
        assertThat(shell.await(Duration.ofSeconds(90))).isNotZero();
        assertThat(shell.stdout()).doesNotContain(BANNER);
        assertThat(shell.stderr()).contains("port " + (port + 1) + " for the sample function is taken");
      }
    }
  }

  @Test
  void everyCommandTheDemoPrintsAndTheReadmesAdminExampleWorkWhenPasted() throws Exception {
    int port = TetherStack.freePort();
    try (ShellScript demo = ShellScript.start("./tether demo --port " + port + "\n")) {
      try {
        Poll.until(Duration.ofSeconds(90), "the demo's banner", () -> demo.stdout().contains(BANNER)
            && demo.stdout().contains("More tokens"));
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "; the demo said:\n" + demo.stdout()
            + "\n--- stderr ---\n" + demo.stderr(), e);
      }
      List<String> printed = demo.stdout().lines()
          .filter(line -> line.startsWith("     ")).map(String::strip).toList();
      String base = "http://127.0.0.1:" + port;

      // 1. and 4.: the console and admin links sign in with tokens the demo's relay accepts.
      String consoleLink = printed.stream().filter(l -> l.startsWith(base + "/#token=")).findFirst().orElseThrow();
      assertThat(status(base + "/api/functions", fragmentToken(consoleLink))).isEqualTo(200);
      String adminLink = printed.stream().filter(l -> l.startsWith(base + "/admin/#token=")).findFirst().orElseThrow();
      assertThat(status(base + "/api/admin/sessions", fragmentToken(adminLink))).isEqualTo(200);

      // 2.: the invocation; 3.: the API call with the exported token.
      String invoke = printed.stream().filter(l -> l.startsWith("curl -s http://127.0.0.1:")).findFirst().orElseThrow();
      assertThat(runBeside(demo, invoke)).contains("\"customer\":\"ada\"");
      String export = printed.stream().filter(l -> l.startsWith("export TETHER_TOKEN=")).findFirst().orElseThrow();
      String session = printed.stream().filter(l -> l.contains("/api/sessions")).findFirst().orElseThrow();
      assertThat(runBeside(demo, export + "\n" + session)).contains("\"sessionId\"");

      // "More tokens", and README's admin token for the demo, pasted in a second terminal.
      String more = demo.stdout().lines().filter(l -> l.contains("More tokens: ")).findFirst()
          .orElseThrow().replaceFirst(".*More tokens: ", "").replaceFirst(" \\(or .*", "");
      assertThat(status(base + "/api/functions", runBeside(demo, more))).isEqualTo(200);
      String readmeAdmin = java.nio.file.Files.readAllLines(TetherStack.ROOT.resolve("README.md"))
          .stream().filter(l -> l.startsWith("./tether token user") && l.contains("--role admin")
              && l.contains("--data-dir .tether/demo")).findFirst().orElseThrow()
          .replaceFirst("\\s+#.*", "");
      assertThat(status(base + "/api/admin/sessions", runBeside(demo, readmeAdmin))).isEqualTo(200);
    }
  }

  private static String runBeside(ShellScript demo, String commands) throws Exception {
    try (ShellScript shell = demo.beside(commands + "\n")) {
      assertThat(shell.await(Duration.ofSeconds(60))).as("exit status of %s; stderr: %s", commands,
          shell.stderr()).isZero();
      return shell.stdout().trim();
    }
  }

  private static String fragmentToken(String link) {
    return link.substring(link.indexOf("#token=") + "#token=".length());
  }

  private static int status(String url, String token) throws Exception {
    return java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
            .header("Authorization", "Bearer " + token).build(),
        java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static boolean free(int port) {
    try (ServerSocket probe = new ServerSocket()) {
      probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
