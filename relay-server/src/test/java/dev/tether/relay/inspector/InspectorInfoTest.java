package dev.tether.relay.inspector;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.relay.http.Json;
import dev.tether.relay.testing.TestRelay;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The relay answers /json/version and /json/protocol as Node's inspector does, to anyone. */
@Timeout(30)
class InspectorInfoTest {
  @RegisterExtension static final TestRelay relay = TestRelay.perClass();

  @AfterAll
  static void stop() {
    relay.close();
  }

  @Test
  void versionNamesNodeAndTheProtocolVersionWithoutAToken() throws Exception {
    HttpResponse<String> response = get("/json/version");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode version = Json.MAPPER.readTree(response.body());
    assertThat(version.path("Browser").asText()).isEqualTo("node.js/" + InspectorInfo.NODE_VERSION);
    assertThat(version.path("Protocol-Version").asText()).isEqualTo("1.1");
    assertThat(version.has("webSocketDebuggerUrl"))
        .as("Node names no browser socket; js-debug would otherwise attach to it").isFalse();
  }

  @Test
  void protocolDescribesNodesDomainsWithTheirCommands() throws Exception {
    HttpResponse<String> response = get("/json/protocol");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode protocol = Json.MAPPER.readTree(response.body());
    assertThat(protocol.path("version").path("major").asText()).isEqualTo("1");
    assertThat(protocol.path("domains")).extracting(d -> d.path("domain").asText())
        .contains("Runtime", "Debugger", "Profiler", "HeapProfiler", "NodeRuntime", "NodeWorker")
        .doesNotContain("Page", "DOM");
    JsonNode debugger = protocol.path("domains").findParents("domain").stream()
        .filter(d -> d.path("domain").asText().equals("Debugger")).findFirst().orElseThrow();
    assertThat(debugger.path("commands")).extracting(c -> c.path("name").asText())
        .contains("enable", "setBreakpointByUrl", "resume", "evaluateOnCallFrame");
  }

  @Test
  void otherMethodsAreNotAllowed() throws Exception {
    HttpResponse<String> response = relay.call("POST", "/json/protocol", null, "{}");

    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(Json.MAPPER.readTree(response.body()).path("error").asText())
        .isEqualTo("method_not_allowed");
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(relay.relay().uri(path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
