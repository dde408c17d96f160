package dev.tether.it.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.protocol.ResumeSecret;
import dev.tether.protocol.Target;
import dev.tether.protocol.Tunnel;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.audit.AuditQuery;
import dev.tether.relay.audit.AuditRecord;
import dev.tether.relay.config.AgentLimits;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.socket.Closed;
import dev.tether.testkit.tunnel.FakeShim;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The attack chain of issue 10: a read-only user reads the agent token from the function's
 * environment, then uses it to take over the live instance, flood the function with instances,
 * or make the relay hold and serve huge hellos. The function's environment holds no Tether secret,
 * and with the token alone every step is refused while the healthy session goes on.
 */
@Timeout(180)
class InstanceTakeoverTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int MAX_INSTANCES = 4;
  private static HostileStack stack;

  @BeforeAll
  static void start() throws Exception {
    stack = HostileStack.start(c -> c.agents(
        AgentLimits.defaults().withMaxInstancesPerFunction(MAX_INSTANCES)));
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  @AfterEach
  void theRealInstanceAndItsSessionGoOn() throws Exception {
    stack.assertHealthy();
    assertThat(stack.tether.relay().agents().find("orders", stack.orders.instanceId()))
        .as("the real instance is still registered").isPresent();
  }

  @ParameterizedTest(name = "shim flags [{0}]")
  @ValueSource(strings = {"", "--inspect-on-demand"})
  void aReadOnlySessionFindsNoTetherVariableAndNoTokenInTheFunction(String flags)
      throws Exception {
    String token = stack.secret(stack.tether.agentToken("payments"));
    String user = stack.secret(stack.tether.userToken("mallory", List.of("payments")));
    try (PlatformShim shim = PlatformShim.start(stack.tether.relay(), "payments", token,
            Map.of("PLATFORM_DEBUG_CREDENTIAL", token, "TETHER_TOKEN", user),
            flags.isEmpty() ? List.of() : List.of(flags.split(" ")));
        CdpClient readOnly = session(user, "payments", shim.instance, "readonly")) {
      String env = value(readOnly, "JSON.stringify(process.env)");
      String argv = value(readOnly, "JSON.stringify([process.argv, process.execArgv])");

      assertThat(env).as("the function's environment was read").contains("\"PATH\"");
      assertThat(env).doesNotContain("TETHER_").doesNotContain(token).doesNotContain(user)
          .doesNotContain(signature(token));
      assertThat(argv).contains("server.js").doesNotContain(token)
          .doesNotContain(signature(token));
      JsonNode parent = readOnly.send("Runtime.evaluate", "expression",
          "process.mainModule.require('fs').readFileSync('/proc/' + process.ppid + '/environ',"
              + " 'latin1')", "returnByValue", true);
      assertThat(parent.toString()).as("the shim's own environment, read through /proc")
          .doesNotContain(signature(token)).contains("exceptionDetails");
    }
  }

  @Test
  void aResumingHelloForTheLiveInstanceWithoutItsSecretIsRefused() throws Exception {
    String id = stack.orders.instanceId();
    for (String secret : new String[] {null, stack.secret(ResumeSecret.generate())}) {
      try (FakeShim attacker = rogue()) {
        attacker.hello(new TunnelMessage.Hello("orders", id, "node v20", List.of(
                new Target("t-1", "node", "orders", "file:///x.js")), List.of("credit", "resume"),
            "rogue", true, List.of(), secret));

        Closed closed = attacker.awaitClose(WAIT);
        assertThat(closed.code()).isEqualTo(1008);
        assertThat(closed.reason()).contains("only the connection that registered it");
      }
      stack.assertHealthy();
    }
    try (FakeShim fresh = rogue()) {
      fresh.hello("orders", id);
      assertThat(fresh.awaitClose(WAIT).code()).as("a fresh hello for a live id").isEqualTo(1008);
    }
    assertThat(refusals("instance_owned")).extracting(r -> r.text("instance"))
        .containsOnly(id).hasSizeGreaterThanOrEqualTo(3);
    stack.assertNoSecretLogged();
  }

  @Test
  void anInstanceFloodStopsAtTheLimitAndTheFunctionListStaysSmall() throws Exception {
    List<FakeShim> flood = new ArrayList<>();
    try {
      int welcomed = 0;
      Closed refused = null;
      for (int i = 0; i < MAX_INSTANCES + 3 && refused == null; i++) {
        FakeShim rogue = rogue();
        flood.add(rogue);
        rogue.hello("orders", "flood-" + i);
        if (rogue.awaitWelcome(WAIT)) {
          welcomed++;
        } else {
          refused = rogue.awaitClose(WAIT);
        }
      }

      assertThat(welcomed).as("the real instance counts too").isEqualTo(MAX_INSTANCES - 1);
      assertThat(refused).isNotNull();
      assertThat(refused.code()).isEqualTo(1008);
      assertThat(refused.reason()).contains("agents.maxInstancesPerFunction");
      assertThat(stack.tether.relay().agents().instancesOf("orders")).hasSize(MAX_INSTANCES);
      assertThat(refusals("instance_limit")).isNotEmpty();
      stack.assertHealthy();
    } finally {
      flood.forEach(FakeShim::close);
    }
  }

  @Test
  void anOversizeHelloIsRefusedAndNeverListed() throws Exception {
    try (FakeShim huge = rogue()) {
      huge.hello(new TunnelMessage.Hello("orders", "huge", "node " + "x".repeat(30_000),
          List.of(), List.of(), "rogue"));

      Closed closed = huge.awaitClose(WAIT);
      assertThat(closed.code()).isEqualTo(1008);
      assertThat(closed.reason()).contains("runtime").contains("agents.maxRuntimeLength");
    }
    HttpResponse<String> functions =
        stack.tether.api("GET", "/api/functions", stack.alice, null);
    assertThat(functions.body()).doesNotContain("huge").doesNotContain("xxxxxxxx");
    assertThat(refusals("hello_too_large")).isNotEmpty();
  }

  private static FakeShim rogue() throws Exception {
    return FakeShim.rogue(stack.tether.relayUri(Tunnel.AGENT_PATH),
        stack.secret(stack.tether.agentToken("orders")));
  }

  private static CdpClient session(String user, String function, String instance, String mode)
      throws Exception {
    HttpResponse<String> created = stack.tether.api("POST", "/api/sessions", user,
        "{\"function\":\"" + function + "\",\"instance\":\"" + instance + "\",\"mode\":\"" + mode
            + "\"}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode body = CdpClient.JSON.readTree(created.body());
    URI url = URI.create(body.path("webSocketDebuggerUrl").asText());
    stack.secret(url.getPath().substring("/devtools/".length()));
    return CdpClient.connect(url);
  }

  private static String value(CdpClient client, String expression) {
    JsonNode result = client.send("Runtime.evaluate", "expression", expression,
        "returnByValue", true);
    assertThat(result.path("exceptionDetails").isMissingNode())
        .as("%s evaluated: %s", expression, result).isTrue();
    return result.path("result").path("value").asText();
  }

  private static String signature(String token) {
    return token.substring(token.lastIndexOf('.') + 1);
  }

  private static List<AuditRecord> refusals(String error) throws Exception {
    stack.tether.relay().audit().flush(WAIT);
    return stack.tether.relay().audit().store()
        .query(AuditQuery.latest(1000).withType("agent.refused")).records().stream()
        .filter(r -> error.equals(r.details().get("error")))
        .toList();
  }
}
