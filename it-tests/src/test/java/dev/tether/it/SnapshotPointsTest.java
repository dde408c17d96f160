package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.relay.auth.Mode;
import dev.tether.relay.auth.Role;
import dev.tether.testkit.Poll;
import dev.tether.testkit.cdp.CdpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Snapshot points end to end: the real relay, real shims, real node running examples/orders. A
 * point set through the API reaches every instance (and one that starts later), requests are
 * answered while it captures, denied names are masked, a hot line is disabled by its budget while
 * the function keeps answering, read-only users cannot attach code, and the trail shows it all.
 */
@Timeout(180)
class SnapshotPointsTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String HANDLER = "examples/orders/handler.js";
  private static final String EVENT =
      "{\"customer\":\"ada\",\"password\":\"hunter2\",\"items\":[{\"sku\":\"a\",\"unitPrice\":10,"
          + "\"quantity\":2}]}";

  private TetherStack tether;
  private String alice;

  @BeforeEach
  void start() throws Exception {
    tether = TetherStack.start();
    alice = tether.userToken("alice", List.of("orders"));
  }

  @AfterEach
  void stop() {
    tether.close();
  }

  private JsonNode setPoint(String token, String body, int status) throws Exception {
    HttpResponse<String> response = tether.api("POST", "/api/functions/orders/snapshots", token, body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    return CdpClient.JSON.readTree(response.body());
  }

  private JsonNode point(String id) throws Exception {
    HttpResponse<String> response =
        tether.api("GET", "/api/functions/orders/snapshots/" + id, alice, null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).doesNotContain("hunter2");
    return CdpClient.JSON.readTree(response.body());
  }

  private JsonNode awaitPoint(String id, String what, java.util.function.Predicate<JsonNode> test) {
    AtomicReference<JsonNode> found = new AtomicReference<>();
    Poll.until(WAIT, what, () -> {
      try {
        JsonNode point = point(id);
        found.set(point);
        return test.test(point);
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
    return found.get();
  }

  private static Set<String> instancesOf(JsonNode point) {
    Set<String> instances = new HashSet<>();
    point.path("hits").forEach(hit -> instances.add(hit.path("instance").asText()));
    return instances;
  }

  private static JsonNode variable(JsonNode scopes, String name) {
    for (JsonNode scope : scopes) {
      for (JsonNode variable : scope.path("variables")) {
        if (variable.path("name").asText().equals(name)) {
          return variable;
        }
      }
    }
    throw new AssertionError("no variable " + name + " in " + scopes);
  }

  @Test
  void aPointHitsOnTwoInstancesAndOneThatStartsLaterWithTheRightLocalsAndPasswordMasked()
      throws Exception {
    TetherStack.Function first = tether.startFunction("orders");
    TetherStack.Function second = tether.startFunction("orders");
    int line = TetherStack.lineOf(HANDLER, "return { statusCode") + 1;

    JsonNode created = setPoint(alice, "{\"url\":\"handler.js\",\"line\":" + line
        + ",\"maxHits\":50}", 201);
    String id = created.path("id").asText();
    assertThat(created.path("status").asText()).isEqualTo("active");

    List<HttpResponse<String>> answers = new ArrayList<>();
    Poll.until(WAIT, "hits from both instances", () -> {
      try {
        answers.add(first.invoke(EVENT).get());
        answers.add(second.invoke(EVENT).get());
        return instancesOf(point(id)).containsAll(Set.of(first.instanceId(), second.instanceId()));
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
    answers.forEach(answer -> assertThat(answer.body()).contains("\"total\":24"));

    JsonNode hit = point(id).path("hits").get(0);
    assertThat(hit.at("/stack/0/function").asText()).isEqualTo("handler");
    assertThat(hit.at("/stack/0/url").asText()).endsWith("/examples/orders/handler.js");
    assertThat(hit.at("/stack/0/line").asInt()).isEqualTo(line);
    assertThat(hit.path("pauseMs").asDouble()).isPositive();
    JsonNode scopes = hit.path("scopes");
    assertThat(variable(scopes, "total").path("value").asText()).isEqualTo("24");
    assertThat(variable(scopes, "subtotal").path("value").asText()).isEqualTo("20");
    JsonNode event = variable(scopes, "event");
    JsonNode eventFields = CdpClient.JSON.createArrayNode()
        .add(CdpClient.JSON.createObjectNode().set("variables", event.path("children")));
    assertThat(variable(eventFields, "password").path("value").asText()).isEqualTo("[redacted]");
    assertThat(variable(eventFields, "customer").path("value").asText()).isEqualTo("ada");
    assertThat(event.toString()).contains("ada").doesNotContain("hunter2");

    TetherStack.Function later = tether.startFunction("orders");
    Poll.until(WAIT, "a hit from the instance that started later", () -> {
      try {
        later.invoke(EVENT).get();
        return instancesOf(point(id)).contains(later.instanceId());
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
  }

  @Test
  void aLineHitTenThousandTimesPerRequestIsDisabledByItsBudgetAndTheFunctionKeepsAnswering()
      throws Exception {
    TetherStack.Function function = tether.startFunction("orders");
    int line = TetherStack.lineOf(HANDLER, "return unit * quantity") + 1;
    String id = setPoint(alice, "{\"url\":\"handler.js\",\"line\":" + line
        + ",\"maxHits\":1000}", 201).path("id").asText();
    StringBuilder items = new StringBuilder();
    for (int i = 0; i < 10_000; i++) {
      items.append(i == 0 ? "" : ",").append("{\"unitPrice\":1,\"quantity\":1}");
    }
    String hot = "{\"items\":[" + items + "]}";

    JsonNode point = awaitPoint(id, "the point disabled on the instance", p -> {
      try {
        HttpResponse<String> answer = function.invoke(hot).get();
        assertThat(answer.body()).contains("\"subtotal\":10000");
      } catch (Exception e) {
        throw new AssertionError(e);
      }
      return p.path("disabled").size() > 0;
    });

    JsonNode disabled = point.path("disabled").get(0);
    assertThat(disabled.path("instance").asText()).isEqualTo(function.instanceId());
    assertThat(disabled.path("reason").asText()).containsAnyOf("times in one second", "budget");
    assertThat(point.path("hitCount").asInt()).isLessThanOrEqualTo(26);
    for (int i = 0; i < 5; i++) {
      assertThat(function.invoke(hot).get().body()).contains("\"subtotal\":10000");
    }
  }

  @Test
  void aReadOnlyUserMaySetAPlainPointButNoConditionOrExpression() throws Exception {
    tether.startFunction("orders");
    String bob = tether.relay().tokenIssuer().userToken("bob", Role.DEVELOPER, List.of("orders"),
        EnumSet.of(Mode.READONLY), Duration.ofHours(1));

    JsonNode refused = setPoint(bob, "{\"url\":\"handler.js\",\"line\":16,"
        + "\"condition\":\"total > 10\"}", 403);
    assertThat(refused.path("error").asText()).isEqualTo("needs_full_mode");
    assertThat(setPoint(bob, "{\"url\":\"handler.js\",\"line\":16,\"log\":\"{items.map(i => 1)}\"}",
        403).path("error").asText()).isEqualTo("needs_full_mode");
    setPoint(bob, "{\"url\":\"handler.js\",\"line\":16,\"log\":\"total={total} for {event.customer}\"}", 201);
    setPoint(bob, "{\"url\":\"handler.js\",\"line\":16}", 201);
    assertThat(setPoint(alice, "{\"url\":\"handler.js\",\"line\":16,\"log\":\"{event.password}\"}",
        400).path("error").asText()).isEqualTo("masked_in_log");
    assertThat(setPoint(alice, "{\"url\":\"handler.js\",\"line\":0}", 400).path("error").asText())
        .isEqualTo("bad_body");
    String carol = tether.userToken("carol", List.of("billing"));
    assertThat(setPoint(carol, "{\"url\":\"handler.js\",\"line\":16}", 403).path("error").asText())
        .isEqualTo("no_grant");
  }

  @Test
  void aLogpointKeepsItsLinesAndTheTrailShowsSetHitAndRemovedWithoutValues() throws Exception {
    TetherStack.Function function = tether.startFunction("orders");
    int line = TetherStack.lineOf(HANDLER, "return { statusCode") + 1;
    String id = setPoint(alice, "{\"url\":\"handler.js\",\"line\":" + line
        + ",\"log\":\"total={total} for {event.customer}\",\"maxHits\":2}", 201).path("id").asText();

    JsonNode point = awaitPoint(id, "the logpoint completed after 2 hits", p -> {
      try {
        function.invoke(EVENT).get();
      } catch (Exception e) {
        throw new AssertionError(e);
      }
      return p.path("status").asText().equals("completed");
    });
    assertThat(point.path("hits").get(0).path("log").asText()).isEqualTo("total=24 for ada");
    HttpResponse<String> deleted =
        tether.api("DELETE", "/api/functions/orders/snapshots/" + id, alice, null);
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
    assertThat(tether.api("GET", "/api/functions/orders/snapshots/" + id, alice, null).statusCode())
        .isEqualTo(404);

    assertThat(tether.relay().audit().flush(WAIT)).isTrue();
    String admin = tether.relay().tokenIssuer().userToken(
        "root", Role.ADMIN, List.of(), EnumSet.allOf(Mode.class), Duration.ofHours(1));
    HttpResponse<String> audit =
        tether.api("GET", "/api/admin/audit?function=orders", admin, null);
    JsonNode events = CdpClient.JSON.readTree(audit.body()).path("events");
    List<String> codes = new ArrayList<>();
    events.forEach(e -> {
      if (e.path("details").path("point").asText().equals(id)) {
        codes.add(e.path("code").asText());
      }
    });
    assertThat(codes).contains("TSN001I", "TSN002I", "TSN003I");
    assertThat(audit.body()).doesNotContain("total=24").doesNotContain("hunter2");
    events.forEach(e -> {
      if (e.path("code").asText().equals("TSN001I") && e.path("details").path("point").asText().equals(id)) {
        assertThat(e.path("actor").asText()).isEqualTo("alice");
        assertThat(e.path("details").path("url").asText()).isEqualTo("handler.js");
        assertThat(e.path("details").path("line").asInt()).isEqualTo(line);
      }
    });
  }

  @Test
  void aLogpointAndACapturePointOnTheSameLineBothGetHits() throws Exception {
    TetherStack.Function function = tether.startFunction("orders");
    int line = TetherStack.lineOf(HANDLER, "return { statusCode") + 1;
    String logpoint = setPoint(alice, "{\"url\":\"handler.js\",\"line\":" + line
        + ",\"log\":\"total={total}\",\"maxHits\":3}", 201).path("id").asText();
    String capture = setPoint(alice, "{\"url\":\"handler.js\",\"line\":" + line
        + ",\"maxHits\":3}", 201).path("id").asText();

    Poll.until(WAIT, "hits on both points of the line", () -> {
      try {
        function.invoke(EVENT).get();
        return point(logpoint).path("hitCount").asInt() >= 2 && point(capture).path("hitCount").asInt() >= 2;
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
    for (String id : List.of(logpoint, capture)) {
      assertThat(point(id).path("disabled")).as("point " + id + " disabled").isEmpty();
    }
    assertThat(point(logpoint).at("/hits/0/log").asText()).isEqualTo("total=24");
    assertThat(variable(point(capture).at("/hits/0/scopes"), "total").path("value").asText())
        .isEqualTo("24");
  }
}
