package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.testkit.Poll;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code ./tether cluster-demo} as a newcomer runs it, on this machine's Redis (6379) and
 * PostgreSQL (5432, database test): the three consoles it prints all sign in and list the sample
 * function, the failover it suggests works when pasted, its audit verify covers the three nodes,
 * and Ctrl-C stops every process it started.
 */
@Timeout(240)
class ClusterDemoTest {
  private static final String BANNER = "Tether cluster demo is running";
  private final HttpClient http = HttpClient.newHttpClient();
  private String schema;

  /** The demo uses the machine's Redis and PostgreSQL; a laptop without them skips, CI fails. */
  @BeforeAll
  static void requireRedisAndPostgres() {
    String missing = null;
    try (Socket redis = new Socket()) {
      redis.connect(new InetSocketAddress("127.0.0.1", 6379), 2000);
    } catch (IOException e) {
      missing = "Redis at 127.0.0.1:6379";
    }
    try (var c = DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&connectTimeout=3")) {
      c.isValid(3);
    } catch (SQLException e) {
      missing = missing == null ? "PostgreSQL at 127.0.0.1:5432 (database test)"
          : missing + " and PostgreSQL at 127.0.0.1:5432 (database test)";
    }
    if (missing == null) {
      return;
    }
    String why = "./tether cluster-demo needs " + missing + "; start it to run this test";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new AssertionError(why + " (CI=true: a missing prerequisite is a failure)");
    }
    Assumptions.assumeTrue(false, why + "; skipped");
  }

  @Test
  void theConsolesTheFailoverAndTheAuditVerifyItPrintsWorkAndCtrlCStopsEverything()
      throws Exception {
    int port = TetherStack.freePort();
    try (ShellScript demo = ShellScript.start("./tether cluster-demo --port " + port + "\n")) {
      try {
        Poll.until(Duration.ofSeconds(150), "the cluster demo's banner",
            () -> demo.stdout().contains(BANNER) && demo.stdout().contains("audit verify"));
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "; the demo said:\n" + demo.stdout()
            + "\n--- stderr ---\n" + demo.stderr(), e);
      }
      Matcher named = Pattern.compile("schema (tether_demo_[0-9a-f]+);")
          .matcher(demo.stdout());
      schema = named.find() ? named.group(1) : null;
      List<String> printed = demo.stdout().lines().map(String::strip).toList();
      List<String> consoles = printed.stream().filter(l -> l.matches("relay-[abc]: http.*"))
          .map(l -> l.replaceFirst("relay-[abc]: ", "")).toList();
      assertThat(consoles).hasSize(3);
      String token = consoles.get(0).substring(consoles.get(0).indexOf("#token=") + 7);
      for (String console : consoles) {
        String base = console.substring(0, console.indexOf("/#token="));
        assertThat(get(base + "/api/functions", token).body()).as(base)
            .contains("\"orders\"", "cluster-demo-");
      }

      String invoke = printed.stream().filter(l -> l.startsWith("curl -s http://127.0.0.1:"))
          .findFirst().orElseThrow();
      assertThat(runBeside(demo, invoke)).contains("\"customer\":\"ada\"");

      // Failover as printed: kill -9 the node holding the tunnel; a new session works on node a.
      String kill = printed.stream().filter(l -> l.startsWith("kill -9 ")).findFirst()
          .orElseThrow();
      runBeside(demo, kill);
      String base = "http://127.0.0.1:" + port;
      Poll.until(Duration.ofSeconds(15), "a session on the function after node b died",
          () -> post(base + "/api/sessions", token, "{\"function\":\"orders\"}").body()
              .contains("\"sessionId\""));

      String verify = printed.stream().filter(l -> l.startsWith("./tether audit verify"))
          .findFirst().orElseThrow();
      assertThat(runBeside(demo, verify))
          .contains("node relay-a: audit trail intact", "node relay-b: audit trail intact",
              "node relay-c: audit trail intact");

      // Ctrl-C: SIGINT to the demo (the launcher exec'd into it) stops the rest.
      ProcessHandle script = demo.process().children().findFirst().orElseThrow();
      List<ProcessHandle> started = script.descendants().toList();
      assertThat(started).as("relays a and c, the shim and node").hasSizeGreaterThanOrEqualTo(3);
      new ProcessBuilder("kill", "-INT", Long.toString(script.pid())).start().waitFor();
      Poll.until(Duration.ofSeconds(30), "every process of the demo to stop",
          () -> !script.isAlive() && started.stream().noneMatch(ProcessHandle::isAlive));
    } finally {
      dropDemoSchema();
    }
  }

  /** The scratch demo's audit schema (named in its banner) goes with the test. */
  private void dropDemoSchema() throws Exception {
    if (schema == null) {
      return;
    }
    try (var c = DriverManager.getConnection(
            "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
        var s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }

  private static String runBeside(ShellScript demo, String commands) throws Exception {
    try (ShellScript shell = demo.beside(commands + "\n")) {
      assertThat(shell.await(Duration.ofSeconds(90))).as("exit status of %s; stdout: %s stderr: %s",
          commands, shell.stdout(), shell.stderr()).isZero();
      return shell.stdout().trim();
    }
  }

  private HttpResponse<String> get(String url, String token) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url))
        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String url, String token, String body) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(url))
          .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
