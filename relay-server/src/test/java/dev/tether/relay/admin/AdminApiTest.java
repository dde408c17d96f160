package dev.tether.relay.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.relay.audit.AuditRecord;
import dev.tether.relay.http.Json;
import dev.tether.relay.testing.TestRelay;
import dev.tether.testkit.Poll;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.socket.Closed;
import dev.tether.testkit.socket.HandshakeRefused;
import dev.tether.testkit.tunnel.FakeShim;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The admin API on a real relay with a fake shim that echoes, and the audit trail it reads. */
@Timeout(60)
class AdminApiTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @RegisterExtension static final TestRelay relay = TestRelay.perClass();
  private FakeShim agent;
  private String instance;
  private String alice;
  private String carol;

  @BeforeEach
  void connectAgent() throws Exception {
    instance = "i-" + UUID.randomUUID();
    agent = FakeShim.register(relay.agentUri(), relay.agentToken("orders"), "orders", instance);
    alice = relay.userToken("alice", "orders");
    carol = relay.adminToken("carol");
  }

  @AfterEach
  void dropAgent() {
    agent.close();
  }

  private JsonNode newSession() throws Exception {
    HttpResponse<String> response = relay.call("POST", "/api/sessions", alice,
        "{\"function\":\"orders\",\"instance\":\"" + instance + "\"}");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return Json.MAPPER.readTree(response.body());
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return Json.MAPPER.readTree(response.body());
  }

  private static JsonNode events(String query) throws Exception {
    assertThat(relay.relay().audit().flush(WAIT)).isTrue();
    HttpResponse<String> response =
        relay.call("GET", "/api/admin/audit?" + query, relay.adminToken("carol"), null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return json(response);
  }

  @Test
  void aDeveloperGets403FromTheAdminApiAndTheRefusalIsRecorded() throws Exception {
    for (String[] call : new String[][] {{"GET", "/api/admin/sessions"},
        {"GET", "/api/admin/audit"}, {"DELETE", "/api/admin/sessions/x?reason=r"}}) {
      HttpResponse<String> response = relay.call(call[0], call[1], alice, null);

      assertThat(response.statusCode()).as(call[1]).isEqualTo(403);
      assertThat(json(response).path("error").asText()).isEqualTo("admin_required");
    }
    assertThat(relay.call("GET", "/api/admin/sessions", null, null).statusCode()).isEqualTo(401);

    JsonNode denied = events("type=policy.denied&user=alice").path("events");
    assertThat(denied.size()).isGreaterThanOrEqualTo(3);
    assertThat(denied.path(0).path("code").asText()).isEqualTo("TPO001E");
    assertThat(events("type=TAU001E").path("events").path(0).path("details").path("path").asText())
        .isEqualTo("/api/admin/sessions");
  }

  @Test
  void liveSessionsShowWhoWhatWhereAndTheTrafficEachWay() throws Exception {
    JsonNode session = newSession();
    try (CdpClient devtools =
        CdpClient.connect(session.path("webSocketDebuggerUrl").asText())) {
      String enable = "{\"id\":1,\"method\":\"Debugger.enable\"}";
      String evaluate =
          "{\"id\":2,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"1\"}}";
      devtools.sendText(enable);
      devtools.take(WAIT);
      devtools.sendText(evaluate);
      devtools.take(WAIT);

      JsonNode live = json(relay.call("GET", "/api/admin/sessions", carol, null));

      JsonNode mine = find(live, session.path("sessionId").asText());
      assertThat(mine.path("user").asText()).isEqualTo("alice");
      assertThat(mine.path("function").asText()).isEqualTo("orders");
      assertThat(mine.path("instance").asText()).isEqualTo(instance);
      assertThat(mine.path("mode").asText()).isEqualTo("full");
      assertThat(mine.path("state").asText()).isEqualTo("attached");
      assertThat(mine.path("since").asText()).isNotBlank();
      assertThat(mine.path("messages").path("toTarget").asLong()).isEqualTo(2);
      assertThat(mine.path("messages").path("toClient").asLong()).isEqualTo(2);
      assertThat(mine.path("bytes").path("toTarget").asLong()).isEqualTo(enable.length() + evaluate.length());
      assertThat(mine.path("bytes").path("toClient").asLong())
          .isEqualTo(enable.length() + evaluate.length());
    }
  }

  @Test
  void terminatingASessionClosesDevToolsWith4003AndTheAdminsReasonAndTheEventNamesTheAdmin()
      throws Exception {
    JsonNode session = newSession();
    String id = session.path("sessionId").asText();
    try (CdpClient devtools =
        CdpClient.connect(session.path("webSocketDebuggerUrl").asText())) {
      devtools.sendText("{\"id\":1,\"method\":\"Debugger.enable\"}");
      devtools.take(WAIT);
      assertThat(relay.call("DELETE", "/api/admin/sessions/" + id, carol, null).statusCode())
          .as("a reason is required").isEqualTo(400);

      HttpResponse<String> response = relay.call("DELETE", "/api/admin/sessions/" + id, carol,
          "{\"reason\":\"incident 42: prod freeze\"}");

      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      assertThat(json(response).path("endReason").asText()).isEqualTo("terminated");
      Closed closed = devtools.awaitClose(WAIT);
      assertThat(closed.code()).isEqualTo(4003);
      assertThat(closed.reason()).contains("carol", "incident 42: prod freeze");
    }
    JsonNode ended = events("session=" + id + "&type=session.ended").path("events").path(0);
    assertThat(ended.path("code").asText()).isEqualTo("TSE006W");
    assertThat(ended.path("actor").asText()).isEqualTo("carol");
    assertThat(ended.path("details").path("owner").asText()).isEqualTo("alice");
    assertThat(ended.path("details").path("message").asText()).contains("incident 42");
    assertThat(ended.path("details").path("messagesToTarget").asLong()).isEqualTo(1);
    assertThat(ended.path("details").path("bytesToClient").asLong())
        .isEqualTo("{\"id\":1,\"method\":\"Debugger.enable\"}".length());
    assertThat(relay.call("DELETE", "/api/admin/sessions/" + id + "?reason=again", carol, null)
        .statusCode()).isEqualTo(409);
  }

  @Test
  void aSessionsTimelineListsItsLifeAndCommandsNewestFirst() throws Exception {
    JsonNode session = newSession();
    String id = session.path("sessionId").asText();
    try (CdpClient devtools =
        CdpClient.connect(session.path("webSocketDebuggerUrl").asText())) {
      devtools.sendText("{\"id\":1,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"a\"}}");
      devtools.take(WAIT);
      devtools.sendText("{\"id\":2,\"method\":\"Debugger.setBreakpointByUrl\",\"params\":"
          + "{\"lineNumber\":1,\"url\":\"x.js\",\"condition\":\"n > 3\"}}");
      devtools.take(WAIT);
    }
    // The relay hears DevTools go away asynchronously; end the session only once it has.
    Poll.until(WAIT, "the session to be detached", () -> {
      try {
        return "detached".equals(
            json(relay.call("GET", "/api/sessions/" + id, alice, null)).path("state").asText());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    relay.call("DELETE", "/api/sessions/" + id, alice, null);

    JsonNode timeline = events("session=" + id).path("events");

    assertThat(types(timeline)).containsExactly("session.ended", "session.detached",
        "cdp.command", "cdp.command", "session.attached", "session.requested");
    assertThat(timeline.path(2).path("details").path("method").asText())
        .isEqualTo("Debugger.setBreakpointByUrl");
    assertThat(timeline.path(3).path("details").path("params").asText())
        .isEqualTo("{\"expression\":\"a\"}");
    assertThat(timeline.path(0).path("actor").asText()).isEqualTo("alice");
    assertThat(timeline.path(0).path("code").asText()).isEqualTo("TSE004I");
  }

  @Test
  void theTrailPagesWithACursorAndExportsAsJsonLinesAndCsv() throws Exception {
    newSession();
    newSession();
    JsonNode first = events("type=session.requested&limit=1");
    String cursor = first.path("nextCursor").asText();
    JsonNode second = events("type=session.requested&limit=1&cursor=" + cursor);

    assertThat(first.path("events").size()).isEqualTo(1);
    assertThat(second.path("events").path(0).path("seq").asLong())
        .isLessThan(first.path("events").path(0).path("seq").asLong());

    HttpResponse<String> jsonl =
        relay.call("GET", "/api/admin/audit?format=jsonl&limit=5", carol, null);
    assertThat(jsonl.headers().firstValue("Content-Type")).hasValue("application/x-ndjson");
    assertThat(jsonl.headers().firstValue("X-Next-Cursor")).isPresent();
    List<String> lines = jsonl.body().lines().toList();
    assertThat(lines).hasSize(5).allSatisfy(l -> assertThat(AuditRecord.parse(l).intact()).isTrue());

    HttpResponse<String> csv = relay.call("GET", "/api/admin/audit?format=csv&user="
        + URLEncoder.encode("alice", StandardCharsets.UTF_8), carol, null);
    assertThat(csv.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
    assertThat(csv.body().lines().findFirst()).hasValue(
        "seq,time,code,type,actor,role,function,instance,session,remote,details,prev,hash");
    assertThat(csv.body()).contains(",TSE001I,session.requested,alice,developer,orders,");

    assertThat(relay.call("GET", "/api/admin/audit?from=yesterday", carol, null).statusCode())
        .isEqualTo(400);
    assertThat(relay.call("GET", "/api/admin/audit?limit=0", carol, null).statusCode())
        .isEqualTo(400);
  }

  @Test
  void noTokenOrTicketEverReachesTheAuditFiles() throws Exception {
    JsonNode session = newSession();
    String url = session.path("webSocketDebuggerUrl").asText();
    String ticket = url.substring(url.lastIndexOf('/') + 1);
    try (CdpClient devtools = CdpClient.connect(url)) {
      assertThatThrownBy(() -> CdpClient.connect(url)) // the ticket is used up
          .isInstanceOf(HandshakeRefused.class);
      devtools.sendText("{\"id\":1,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"2\"}}");
      devtools.take(WAIT);
    }
    String forged = alice.substring(0, alice.length() - 4) + "AAAA";
    relay.call("GET", "/api/functions", forged, null);
    relay.call("GET", "/api/admin/audit", alice, null);
    String agentToken = relay.agentToken("orders");
    assertThat(relay.relay().audit().flush(WAIT)).isTrue();
    assertThat(events("type=auth.failed").path("events").size()).isGreaterThanOrEqualTo(2);

    StringBuilder records = new StringBuilder();
    StringBuilder all = new StringBuilder();
    try (Stream<Path> files = Files.list(relay.dataDir().resolve("audit"))) {
      for (Path file : files.toList()) {
        String text = Files.readString(file);
        all.append(text);
        if (file.getFileName().toString().endsWith(".jsonl")) {
          records.append(text);
        }
      }
    }
    assertThat(records.toString()).contains("Runtime.evaluate")
        .doesNotContain(alice, carol, forged, ticket, agentToken, "eyJ", "Bearer");
    // the seals and head.json are the relay's own JWS signatures over seq and hash: no token
    assertThat(all.toString()).doesNotContain(alice, carol, forged, ticket, agentToken, "Bearer");
  }

  @Test
  void auditVerifyOnTheRelaysDataDirectorySaysIntactThenNamesAnEditedRecord() throws Exception {
    newSession();
    assertThat(relay.relay().audit().flush(WAIT)).isTrue();
    Path copy = Files.createTempDirectory("tether-audit-copy-");
    Files.createDirectories(copy.resolve("audit"));
    try (Stream<Path> files = Files.list(relay.dataDir().resolve("audit"))) {
      for (Path file : files.toList()) {
        Files.copy(file, copy.resolve("audit").resolve(file.getFileName()));
      }
    }

    // the copy has no key: the relay's published keys check its signatures
    String jwks = relay.relay().uri("/.well-known/jwks.json").toString();
    Run intact = cli("audit", "verify", "--data-dir", copy.toString(), "--jwks", jwks);

    assertThat(intact.status()).as(intact.err()).isZero();
    assertThat(intact.out()).contains("audit trail intact");

    Path file = copy.resolve("audit/audit-000001.jsonl");
    List<String> lines = Files.readAllLines(file);
    lines.set(1, lines.get(1).replace("\"time\":\"20", "\"time\":\"19"));
    Files.write(file, lines);

    Run broken = cli("audit", "verify", "--data-dir", copy.toString(), "--jwks", jwks);

    assertThat(broken.status()).isEqualTo(1);
    assertThat(broken.err()).contains("BROKEN", "record 2 at audit-000001.jsonl line 2");
  }

  private record Run(int status, String out, String err) {}

  private static Run cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = dev.tether.relay.cli.Cli.run(args, new PrintStream(out, true),
        new PrintStream(err, true));
    return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static List<String> types(JsonNode events) {
    List<String> types = new java.util.ArrayList<>();
    events.forEach(e -> types.add(e.path("type").asText()));
    return types;
  }

  private static JsonNode find(JsonNode sessions, String id) {
    for (JsonNode s : sessions) {
      if (s.path("sessionId").asText().equals(id)) {
        return s;
      }
    }
    throw new AssertionError("no session " + id + " in " + sessions);
  }
}
