package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.relay.auth.Mode;
import dev.tether.relay.auth.Role;
import dev.tether.testkit.Poll;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.socket.Closed;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The audit trail and the admin's terminate with a real node under the real shim. */
@Timeout(120)
class AuditEndToEndTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private TetherStack tether;

  @AfterEach
  void stop() {
    if (tether != null) {
      tether.close();
    }
  }

  private String admin() {
    return tether.relay().tokenIssuer().userToken(
        "carol", Role.ADMIN, List.of(), EnumSet.allOf(Mode.class), Duration.ofHours(1));
  }

  private JsonNode events(String query) throws Exception {
    assertThat(tether.relay().audit().flush(WAIT)).isTrue();
    HttpResponse<String> response = tether.api("GET", "/api/admin/audit?" + query, admin(), null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return CdpClient.JSON.readTree(response.body()).path("events");
  }

  @Test
  void codeRunningCommandsAreRecordedWithTruncatedArgumentsAndNoTokenReachesTheTrail()
      throws Exception {
    tether = TetherStack.start();
    tether.startFunction("orders");
    String alice = tether.userToken("alice", List.of("orders"));
    TetherStack.Session session = tether.createSession(alice, "orders");
    String longExpression = "'" + "a".repeat(5000) + "'.length";

    try (CdpClient devtools = CdpClient.connect(session.webSocketDebuggerUrl())) {
      devtools.send("Debugger.enable");
      JsonNode value = devtools.send("Runtime.evaluate", "expression", longExpression);
      assertThat(value.path("result").path("value").asInt()).isEqualTo(5000);
      devtools.send("Debugger.setBreakpointByUrl", "lineNumber", 3, "urlRegex", "server\\.js$",
          "condition", "event && event.amount > 100");
      devtools.send("Debugger.setBreakpointByUrl", "lineNumber", 4, "urlRegex", "server\\.js$");
    }

    JsonNode commands = events("session=" + session.id() + "&type=cdp.command");
    assertThat(commands.size()).as(commands.toString()).isEqualTo(2);
    JsonNode breakpoint = commands.path(0).path("details");
    JsonNode evaluate = commands.path(1).path("details");
    assertThat(breakpoint.path("method").asText()).isEqualTo("Debugger.setBreakpointByUrl");
    assertThat(breakpoint.path("params").asText()).contains("event && event.amount > 100");
    assertThat(evaluate.path("method").asText()).isEqualTo("Runtime.evaluate");
    assertThat(evaluate.path("truncated").asBoolean()).isTrue();
    assertThat(evaluate.path("params").asText()).startsWith("{\"expression\":\"'aaaa")
        .hasSizeLessThanOrEqualTo(1025);
    assertThat(commands.path(1).path("actor").asText()).isEqualTo("alice");

    // The relay hears DevTools go away asynchronously; wait for its detached record.
    Poll.until(WAIT, "the session.detached record", () -> {
      try {
        return events("session=" + session.id() + "&type=session.detached").size() == 1;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });

    String trail = readTrail();
    assertThat(trail).doesNotContain(alice, "eyJ",
        session.webSocketDebuggerUrl().getPath().substring("/devtools/".length()));
    assertThat(trail).doesNotContain("\"result\"").as("no target→client payload");
  }

  @Test
  void anAdminTerminatesALiveSessionAndTheDeveloperReadsTheReasonInTheCloseFrame()
      throws Exception {
    tether = TetherStack.start();
    tether.startFunction("billing");
    String alice = tether.userToken("alice", List.of("billing"));
    TetherStack.Session session = tether.createSession(alice, "billing");

    try (CdpClient devtools = CdpClient.connect(session.webSocketDebuggerUrl())) {
      devtools.send("Runtime.evaluate", "expression", "1 + 1");
      JsonNode live = CdpClient.JSON.readTree(
          tether.api("GET", "/api/admin/sessions", admin(), null).body());
      assertThat(live.path(0).path("user").asText()).isEqualTo("alice");
      assertThat(live.path(0).path("messages").path("toTarget").asLong()).isEqualTo(1);
      assertThat(live.path(0).path("messages").path("toClient").asLong()).isGreaterThanOrEqualTo(1);

      HttpResponse<String> terminated = tether.api("DELETE",
          "/api/admin/sessions/" + session.id() + "?reason=security%20review", admin(), null);

      assertThat(terminated.statusCode()).as(terminated.body()).isEqualTo(200);
      Closed closed = devtools.awaitClose(WAIT);
      assertThat(closed.code()).isEqualTo(4003);
      assertThat(closed.reason()).isEqualTo("terminated by admin carol: security review");
    }
    JsonNode ended = events("session=" + session.id() + "&type=session.ended").path(0);
    assertThat(ended.path("actor").asText()).isEqualTo("carol");
    assertThat(ended.path("details").path("messagesToTarget").asLong()).isEqualTo(1);
    assertThat(ended.path("details").path("bytesToClient").asLong()).isPositive();
  }

  private String readTrail() throws Exception {
    Path audit = tether.relay().config().dataDir().resolve("audit");
    StringBuilder all = new StringBuilder();
    try (Stream<Path> files = Files.list(audit)) {
      for (Path file : files.toList()) {
        if (file.getFileName().toString().endsWith(".jsonl")) { // records, not the relay's seals
          all.append(Files.readString(file));
        }
      }
    }
    return all.toString();
  }
}
