package dev.tether.relay.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.relay.http.Json;
import dev.tether.relay.testing.LogCapture;
import dev.tether.relay.testing.TestRelay;
import dev.tether.testkit.tunnel.FakeShim;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Names and strings an attacker sends to the API: refused where they enter, escaped in logs. */
@Timeout(60)
class HostileInputTest {
  private static final String FORGED_LINE =
      "12:00:00.000 level=INFO logger=Sessions session ended user=admin";

  @RegisterExtension static final TestRelay relay = TestRelay.perClass();
  private static FakeShim orders;

  @BeforeAll
  static void start() throws Exception {
    orders = FakeShim.register(relay.agentUri(), relay.agentToken("orders"), "orders", "i-1");
  }

  @AfterAll
  static void stop() {
    if (orders != null) {
      orders.close();
    }
  }

  @Test
  void aFunctionNameWithNewlineAndNulIsA400AndTheLogShowsItEscapedOnOneLine() throws Exception {
    String hostile = "orders\n" + FORGED_LINE + "\u0000";
    HttpResponse<String> response;
    List<String> lines;
    try (LogCapture log = LogCapture.start()) {
      response = relay.call("POST", "/api/sessions", relay.userToken("mallory", "*"),
          Json.MAPPER.writeValueAsString(Map.of("function", hostile)));
      lines = log.lines();
    }

    assertThat(response.statusCode()).isEqualTo(400);
    JsonNode error = Json.MAPPER.readTree(response.body());
    assertThat(error.path("error").asText()).isEqualTo("bad_function");
    assertThat(error.path("message").asText()).contains("function name").contains("orders\\n");
    assertThat(lines).noneMatch(line -> line.startsWith(FORGED_LINE));
    assertThat(lines).anySatisfy(line -> assertThat(line)
        .contains("input refused")
        .contains("orders\\n" + FORGED_LINE + "\\u0000"));
    assertThat(String.join("\n", lines)).doesNotContain("\u0000");
  }

  @Test
  void controlCharactersInTheOtherFieldsAreA400() throws Exception {
    String alice = relay.userToken("alice", "orders");
    for (String body : List.of(
        "{\"function\":\"orders\",\"instance\":\"i-1\\r\\nforged\"}",
        "{\"function\":\"orders\",\"mode\":\"full\\u2028\"}",
        "{\"function\":\"orders\\u202e\"}",
        "{\"function\":\"../orders\"}")) {
      HttpResponse<String> response = relay.call("POST", "/api/sessions", alice, body);

      assertThat(response.statusCode()).as(body).isEqualTo(400);
      assertThat(Json.MAPPER.readTree(response.body()).path("message").asText()).as(body)
          .isNotBlank();
    }
  }

  @Test
  void controlCharactersInAPathSegmentOrAQueryParameterAreA400() throws Exception {
    HttpResponse<String> path = relay.call("GET", "/api/sessions/abc%0Aforged",
        relay.userToken("alice", "orders"), null);
    HttpResponse<String> query = relay.call("GET", "/api/admin/audit?user=alice%00%0Aforged",
        relay.adminToken("root"), null);

    assertThat(path.statusCode()).isEqualTo(400);
    assertThat(Json.MAPPER.readTree(path.body()).path("error").asText()).isNotBlank();
    assertThat(query.statusCode()).isEqualTo(400);
    assertThat(Json.MAPPER.readTree(query.body()).path("error").asText()).isEqualTo("bad_input");
  }

  @Test
  void anAdminsTerminationReasonWithALineSeparatorIsA400AndTheSessionLives() throws Exception {
    HttpResponse<String> created = relay.call("POST", "/api/sessions",
        relay.userToken("carol", "orders"), "{\"function\":\"orders\"}");
    String id = Json.MAPPER.readTree(created.body()).path("sessionId").asText();

    HttpResponse<String> refused = relay.call("DELETE", "/api/admin/sessions/" + id,
        relay.adminToken("root"), "{\"reason\":\"maintenance\\u2028forged\"}");

    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(Json.MAPPER.readTree(refused.body()).path("error").asText()).isEqualTo("bad_input");
    assertThat(relay.relay().sessions().find(id).orElseThrow().state().wire())
        .isEqualTo("requested");
  }

  @Test
  void afterTheProbesAHealthySessionOnTheSameInstanceStillOpens() throws Exception {
    relay.call("POST", "/api/sessions", relay.userToken("mallory", "*"),
        "{\"function\":\"orders\\u0000\"}");

    HttpResponse<String> response = relay.call("POST", "/api/sessions",
        relay.userToken("alice", "orders"), "{\"function\":\"orders\",\"instance\":\"i-1\"}");

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(Json.MAPPER.readTree(response.body()).path("instance").asText()).isEqualTo("i-1");
  }
}
