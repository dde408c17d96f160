package dev.tether.relay.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.testing.TestRelay;
import dev.tether.testkit.Poll;
import dev.tether.testkit.socket.Closed;
import dev.tether.testkit.tunnel.FakeShim;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class ReportsApiTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(5);
  @TempDir static Path dataDir;
  static TestRelay relay;

  @BeforeAll
  static void start() throws Exception {
    relay = TestRelay.start(dataDir);
  }

  @AfterAll
  static void stop() {
    relay.close();
  }

  @Test
  void aCrashTheShimSendsIsListedWithItsMessageAndStackAndServedWhole() throws Exception {
    String alice = relay.userToken("alice", "orders");
    JsonNode listed = crash("orders", new TunnelMessage.Crash(1,
        report("TypeError: order 42 has no customer")));

    assertThat(listed.path("message").asText()).isEqualTo("TypeError: order 42 has no customer");
    assertThat(listed.path("stack").get(0).asText()).isEqualTo("at handle (/srv/orders.js:3:9)");
    assertThat(listed.path("instance").asText()).isEqualTo("orders-1");
    assertThat(listed.path("trigger").asText()).isEqualTo("Exception");
    assertThat(listed.has("report")).as("a list stays small").isFalse();

    JsonNode one = get("/api/functions/orders/reports/" + listed.path("id").asText(), alice);
    assertThat(one.at("/report/javascriptHeap/usedMemory").asLong()).isEqualTo(17_813_544);
    assertThat(one.at("/report/environmentVariables/HOME").asText()).isEqualTo("[redacted]");
  }

  @Test
  void theCrashIsAuditedAsFunctionCrashedWithTheReportId() throws Exception {
    JsonNode listed = crash("audited", new TunnelMessage.Crash(134, oom()));
    assertThat(listed.path("message").asText())
        .isEqualTo("Allocation failed - JavaScript heap out of memory");

    assertThat(relay.relay().audit().flush(WAIT)).isTrue();
    JsonNode events = MAPPER.readTree(relay.call("GET",
        "/api/admin/audit?type=function.crashed&function=audited", relay.adminToken("carol"), null)
        .body());
    JsonNode event = events.isArray() ? events.get(0) : events.path("events").get(0);
    assertThat(event.path("code").asText()).isEqualTo("TFN001W");
    assertThat(event.path("details").path("report").asText()).isEqualTo(listed.path("id").asText());
    assertThat(event.path("details").path("trigger").asText()).isEqualTo("OOMError");
    assertThat(event.path("details").path("exitCode").asInt()).isEqualTo(134);
  }

  @Test
  void aFunctionWhoseInstancesAllDiedIsStillListedWithItsLastCrashForThoseGrantedIt()
      throws Exception {
    JsonNode listed = crash("gone", new TunnelMessage.Crash(1, report("Error: gone for good")));
    Poll.until(WAIT, "the instance to be unregistered",
        () -> relay.relay().agents().find("gone", "gone-1").isEmpty());

    JsonNode gone = null;
    for (JsonNode fn : get("/api/functions", relay.userToken("alice", "gone"))) {
      if (fn.path("function").asText().equals("gone")) {
        gone = fn;
      }
    }
    assertThat(gone).as("the crashed function is listed").isNotNull();
    assertThat(gone.path("instances").size()).isZero();
    assertThat(gone.at("/lastCrash/id").asText()).isEqualTo(listed.path("id").asText());
    assertThat(gone.at("/lastCrash/message").asText()).isEqualTo("Error: gone for good");
    assertThat(get("/api/functions", relay.userToken("mallory", "billing")).toString())
        .doesNotContain("gone for good");
  }

  @Test
  void aUserWithoutTheFunctionsGrantGets403AndNoTokenGets401() throws Exception {
    HttpResponse<String> refused =
        relay.call("GET", "/api/functions/orders/reports", relay.userToken("mallory", "billing"),
            null);

    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(MAPPER.readTree(refused.body()).path("error").asText()).isEqualTo("no_grant");
    assertThat(MAPPER.readTree(refused.body()).path("message").asText()).contains("orders");
    assertThat(relay.call("GET", "/api/functions/orders/reports/r-0000000000001-0000000a",
        relay.userToken("mallory", "billing"), null).statusCode()).isEqualTo(403);
    assertThat(relay.call("GET", "/api/functions/orders/reports", null, null).statusCode())
        .isEqualTo(401);
  }

  @Test
  void anUnknownOrMalformedReportIdIs404WithAHint() throws Exception {
    String alice = relay.userToken("alice", "orders");
    HttpResponse<String> traversal =
        relay.call("GET", "/api/functions/orders/reports/..%2F..%2Fkeys%2Fsigning-key.jwk", alice,
            null);
    assertThat(traversal.statusCode()).isBetween(400, 404);
    assertThat(MAPPER.readTree(traversal.body()).has("error")).isTrue();
    for (String id : new String[] {"r-0000000000001-0000000a", "x", "r-1-..."}) {
      HttpResponse<String> missing =
          relay.call("GET", "/api/functions/orders/reports/" + id, alice, null);

      assertThat(missing.statusCode()).as(id).isEqualTo(404);
      assertThat(MAPPER.readTree(missing.body()).path("error").asText()).isEqualTo("report_not_found");
      assertThat(MAPPER.readTree(missing.body()).path("message").asText())
          .contains("/api/functions/orders/reports");
    }
  }

  @Test
  void aReportOfAnotherFunctionIsNotServedUnderAGrantedFunctionsName() throws Exception {
    String id = crash("secret-fn", new TunnelMessage.Crash(1,
        report("Error: secret-fn internals"))).path("id").asText();

    HttpResponse<String> crossed = relay.call("GET", "/api/functions/orders/reports/" + id,
        relay.userToken("alice", "orders"), null);

    assertThat(crossed.statusCode()).isEqualTo(404);
  }

  @Test
  void aSecondCrashReportOnOneTunnelIsAProtocolErrorSoAShimCannotFloodTheStore()
      throws Exception {
    try (FakeShim agent = FakeShim.register(
        relay.agentUri(), relay.agentToken("flood"), "flood", "flood-1")) {
      agent.send(new TunnelMessage.Crash(1, report("Error: one")));
      agent.send(new TunnelMessage.Crash(1, report("Error: two")));

      Closed closed = agent.awaitClose(WAIT);
      assertThat(closed.code()).isEqualTo(CloseCodes.PROTOCOL_ERROR);
      assertThat(closed.reason()).contains("at most one crash report");
    }
    assertThat(get("/api/functions/flood/reports", relay.userToken("a", "flood")))
        .extracting(node -> node.path("message").asText()).containsExactly("Error: one");
  }

  /** An instance of {@code function} sends {@code crash}; returns its listing once it is there. */
  private static JsonNode crash(String function, TunnelMessage.Crash crash) throws Exception {
    String reader = relay.userToken("reader", function);
    try (FakeShim agent = FakeShim.register(
        relay.agentUri(), relay.agentToken(function), function, function + "-1")) {
      agent.send(crash);
      return Poll.until(WAIT, "the crash report of " + function + " to be listed", () -> {
        JsonNode list = get("/api/functions/" + function + "/reports", reader);
        return list.size() > 0 ? list.get(0) : null;
      });
    }
  }

  private static JsonNode get(String path, String token) {
    try {
      HttpResponse<String> response = relay.call("GET", path, token, null);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      return MAPPER.readTree(response.body());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static ObjectNode report(String message) {
    ObjectNode report = MAPPER.createObjectNode();
    report.putObject("header").put("event", "Exception").put("trigger", "Exception");
    report.putObject("javascriptStack").put("message", message).putArray("stack")
        .add("at handle (/srv/orders.js:3:9)").add("at Server.<anonymous> (/srv/orders.js:9:3)");
    report.putObject("javascriptHeap").put("usedMemory", 17_813_544);
    report.putObject("environmentVariables").put("HOME", "[redacted]");
    return report;
  }

  private static ObjectNode oom() {
    ObjectNode report = MAPPER.createObjectNode();
    report.putObject("header").put("event", "Allocation failed - JavaScript heap out of memory")
        .put("trigger", "OOMError");
    report.putObject("javascriptStack").put("message", "No stack.").putArray("stack")
        .add("Unavailable.");
    return report;
  }
}
