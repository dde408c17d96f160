package dev.tether.relay.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.protocol.CapturedFrame;
import dev.tether.protocol.Target;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.http.Json;
import dev.tether.relay.testing.TestRelay;
import dev.tether.testkit.Poll;
import dev.tether.testkit.tunnel.FakeShim;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A shim gone bad, holding a valid agent token for {@code orders}: it sends captures it did not
 * mask, captures shaped to slip past the mask (and a log line on a point that logs nothing),
 * hits for a point of another function and for a point that never was, and it answers a script
 * list asked of another function's instance. The relay masks on arrival, keeps only the shape a
 * shim captures, refuses the hits that are not its function's (audited, not stored), takes a
 * script list only from the instance asked, and keeps the tunnel.
 */
@Timeout(60)
class HostileShimSnapshotTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final List<String> SECRETS = List.of("hunter2", "tok-123", "Bearer abc",
      "s3cret-in-a-value", "in-a-scope-field", "cookie-in-a-frame", "password=hunter3");

  @RegisterExtension static final TestRelay relay = TestRelay.perClass();

  @Test
  void unmaskedValuesAreMaskedOnArrivalAndHitsForPointsNotOfItsFunctionAreRefused()
      throws Exception {
    String alice = relay.userToken("alice", "orders", "billing");
    String orders = setPoint(alice, "orders");
    String billing = setPoint(alice, "billing");
    String unknown = "s-0000000000001-deadbeef";
    try (FakeShim shim = SavedPointsTest.snapshotAgent(relay.agentUri(),
        relay.agentToken("orders"), "i-hostile")) {
      SavedPointsTest.pointsWith(shim, orders);

      shim.send(hit(orders, unmaskedScopes()));
      shim.send(hit(billing, unmaskedScopes()));
      shim.send(hit(unknown, unmaskedScopes()));
      shim.send(SavedPointsTest.hit(orders)); // sent last: once it is kept, the others were taken

      JsonNode point = Poll.until(WAIT, "the last hit kept", () -> {
        JsonNode p = point(alice, "orders", orders);
        return p.path("hitCount").asInt() == 2 ? p : null;
      });
      String kept = point.toString();
      SECRETS.forEach(secret -> assertThat(kept).as("the kept hits").doesNotContain(secret));
      JsonNode locals = point.path("hits").get(1).at("/scopes/0/variables");
      assertThat(variable(locals, "password").path("value").asText()).isEqualTo("[redacted]");
      assertThat(variable(locals, "apiToken").path("value").asText()).isEqualTo("[redacted]");
      JsonNode headers = variable(variable(locals, "request").path("children"), "headers");
      assertThat(variable(headers.path("children"), "authorization").path("value").asText())
          .isEqualTo("[redacted]");
      assertThat(variable(locals, "total").path("value").asText()).isEqualTo("24");

      JsonNode other = point(alice, "billing", billing);
      assertThat(other.path("hitCount").asInt()).isZero();
      assertThat(other.path("hits")).isEmpty();
      assertThat(relay.call("GET", "/api/functions/orders/snapshots/" + unknown, alice, null)
          .statusCode()).isEqualTo(404);
      assertThat(relay.call("GET", "/api/functions/orders/snapshots", alice, null).body())
          .doesNotContain(unknown);
      assertThat(shim.isClosed()).as("the tunnel stays").isFalse();

      List<JsonNode> refused = refusals();
      assertThat(refused).extracting(e -> e.path("details").path("point").asText())
          .contains(billing, unknown);
      refused.forEach(e -> {
        assertThat(e.path("function").asText()).isEqualTo("orders");
        assertThat(e.path("instance").asText()).isEqualTo("i-hostile");
        assertThat(e.toString()).doesNotContain("hunter2");
      });
    }
  }

  @Test
  void aScriptListAnsweredByAShimOfAnotherFunctionIsNotTakenForTheOneAsked() throws Exception {
    String alice = relay.userToken("alice", "billing");
    try (FakeShim billing = snapshotAgent("billing", "i-billing");
        FakeShim hostile = SavedPointsTest.snapshotAgent(relay.agentUri(),
            relay.agentToken("orders"), "i-hostile-2")) {
      CompletableFuture<HttpResponse<String>> asked = CompletableFuture.supplyAsync(() -> {
        try {
          return relay.call("GET", "/api/functions/billing/scripts", alice, null);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      int request = billing.take(TunnelMessage.ScriptsRequest.class, WAIT).request();

      hostile.send(new TunnelMessage.Scripts(request, List.of("file:///evil.js"), null));
      billing.send(new TunnelMessage.Scripts(request, List.of("file:///billing.js"), null));

      HttpResponse<String> answer = asked.get(10, TimeUnit.SECONDS);
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      assertThat(answer.body()).contains("billing.js").doesNotContain("evil.js");
      assertThat(hostile.isClosed()).isFalse();
    }
  }

  /** A shim of {@code function} that takes snapshot points, welcomed. */
  private static FakeShim snapshotAgent(String function, String instance) throws Exception {
    FakeShim agent = FakeShim.connect(relay.agentUri(), relay.agentToken(function),
        new TunnelMessage.Hello(function, instance, "node v22-fake",
            List.of(new Target(FakeShim.TARGET, "node", function, "file:///" + function + ".js")),
            List.of(Snapshots.CAPABILITY), "test"));
    agent.take(TunnelMessage.Welcome.class, WAIT);
    return agent;
  }

  private static String setPoint(String token, String function) throws Exception {
    HttpResponse<String> created = relay.call("POST", "/api/functions/" + function + "/snapshots",
        token, "{\"url\":\"orders.js\",\"line\":12,\"maxHits\":5}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return Json.MAPPER.readTree(created.body()).path("id").asText();
  }

  private static JsonNode point(String token, String function, String id) {
    try {
      HttpResponse<String> got =
          relay.call("GET", "/api/functions/" + function + "/snapshots/" + id, token, null);
      assertThat(got.statusCode()).as(got.body()).isEqualTo(200);
      return Json.MAPPER.readTree(got.body());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** The audit's refused snapshot hits, once the relay has written them. */
  private static List<JsonNode> refusals() throws Exception {
    assertThat(relay.relay().audit().flush(WAIT)).isTrue();
    HttpResponse<String> got = relay.call("GET", "/api/admin/audit?function=orders",
        relay.adminToken("root"), null);
    assertThat(got.statusCode()).as(got.body()).isEqualTo(200);
    List<JsonNode> refused = new ArrayList<>();
    Json.MAPPER.readTree(got.body()).path("events").forEach(e -> {
      if (e.path("code").asText().equals("TSN007E")) {
        refused.add(e);
      }
    });
    return refused;
  }

  private static TunnelMessage.SnapshotHit hit(String point, ArrayNode scopes) {
    return new TunnelMessage.SnapshotHit(point, System.currentTimeMillis(), 1.0,
        List.of(new CapturedFrame("handler", "file:///orders.js", 12, 3)), scopes,
        "password=hunter3", false, 0);
  }

  /**
   * What a shim that masks nothing sends: denied names at the top and nested in an object, a
   * value sent as a JSON object instead of text, and fields no capture has.
   */
  private static ArrayNode unmaskedScopes() {
    ArrayNode scopes = Json.MAPPER.createArrayNode();
    ObjectNode local = scopes.addObject().put("frame", 0).put("type", "local")
        .put("cookie", "cookie-in-a-frame");
    local.putObject("password").put("value", "in-a-scope-field");
    ArrayNode variables = local.putArray("variables");
    variables.addObject().put("name", "password").put("type", "string").put("value", "hunter2");
    variables.addObject().put("name", "apiToken").put("type", "string").put("value", "tok-123");
    ObjectNode request = variables.addObject().put("name", "request").put("type", "object")
        .put("value", "Object");
    ObjectNode headers = request.putArray("children").addObject().put("name", "headers")
        .put("type", "object").put("value", "Object");
    headers.putArray("children").addObject().put("name", "authorization").put("type", "string")
        .put("value", "Bearer abc");
    variables.addObject().put("name", "config").put("type", "object")
        .putObject("value").put("dbPassword", "s3cret-in-a-value");
    variables.addObject().put("name", "total").put("type", "number").put("value", "24");
    return scopes;
  }

  private static JsonNode variable(JsonNode variables, String name) {
    for (JsonNode variable : variables) {
      if (variable.path("name").asText().equals(name)) {
        return variable;
      }
    }
    throw new AssertionError("no variable " + name + " in " + variables);
  }
}
