package dev.tether.relay.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.ResumeSecret;
import dev.tether.protocol.Target;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.audit.AuditQuery;
import dev.tether.relay.audit.AuditRecord;
import dev.tether.relay.config.AgentLimits;
import dev.tether.relay.http.Json;
import dev.tether.relay.testing.TestRelay;
import dev.tether.testkit.Poll;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.socket.Closed;
import dev.tether.testkit.tunnel.FakeShim;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Attacks by a holder of the function's agent token (which a function's code could once read):
 * taking over a live instance, flooding the function with instances, and oversize hellos. Each is
 * refused with 1008 and audited, and the real instance's session goes on answering.
 */
@Timeout(60)
class InstanceOwnershipTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int MAX_INSTANCES = 3;

  @RegisterExtension
  static final TestRelay relay =
      TestRelay.perClass(config -> config.resumeGrace(Duration.ofSeconds(30)).abruptCloseGrace(Duration.ofSeconds(30)) .agents(AgentLimits.defaults().withMaxInstancesPerFunction(MAX_INSTANCES)));

  /** Each test its own function, since instances within their grace count towards its limit. */
  private String orders;

  @BeforeEach
  void newFunction() {
    orders = "orders-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @Test
  void aResumingHelloWithoutTheSecretIsRefusedAndTheRealShimKeepsItsSession() throws Exception {
    String id = "victim-" + UUID.randomUUID();
    try (FakeShim real = register(orders, id);
        CdpClient devtools = CdpClient.connect(debuggerUrl(orders, id));
        FakeShim attacker = FakeShim.resume(relay.agentUri(), relay.agentToken(orders),
            orders, id, null)) {
      Closed closed = attacker.awaitClose(WAIT);

      assertThat(closed.code()).isEqualTo(CloseCodes.POLICY_VIOLATION);
      assertThat(closed.reason()).contains("only the connection that registered it");
      assertHealthy(real, devtools, 1);
      AuditRecord refused = refusal("instance_owned", id);
      assertThat(refused.details()).containsEntry("resume", true).containsEntry("secret", "missing");
    }
  }

  @Test
  void aGuessedSecretAndAFreshHelloForALiveInstanceAreRefusedToo() throws Exception {
    String id = "victim-" + UUID.randomUUID();
    try (FakeShim real = register(orders, id);
        CdpClient devtools = CdpClient.connect(debuggerUrl(orders, id))) {
      try (FakeShim guesser = FakeShim.resume(relay.agentUri(), relay.agentToken(orders),
          orders, id, ResumeSecret.generate())) {
        assertThat(guesser.awaitClose(WAIT).code()).isEqualTo(CloseCodes.POLICY_VIOLATION);
      }
      try (FakeShim fresh = FakeShim.connect(relay.agentUri(), relay.agentToken(orders),
          orders, id)) {
        assertThat(fresh.awaitClose(WAIT).code()).isEqualTo(CloseCodes.POLICY_VIOLATION);
      }

      assertHealthy(real, devtools, 2);
      assertThat(refusals("instance_owned", id)).extracting(r -> r.details().get("secret"))
          .contains("wrong", "missing");
    }
  }

  @Test
  void whileAnInstanceIsWithinItsGraceOnlyItsSecretResumesIt() throws Exception {
    String id = "dropped-" + UUID.randomUUID();
    FakeShim real = register(orders, id);
    String secret = real.resumeSecret();
    CdpClient devtools = CdpClient.connect(debuggerUrl(orders, id));
    real.take(TunnelMessage.Open.class, WAIT);
    real.close(); // the connection breaks; the relay keeps the instance for its grace
    AgentTunnel dropped = relay.relay().agents().find(orders, id).orElseThrow();
    Poll.until(WAIT, "the relay to notice the drop", () -> !dropped.isOpen());

    try (FakeShim attacker = FakeShim.resume(relay.agentUri(), relay.agentToken(orders),
        orders, id, null)) {
      assertThat(attacker.awaitClose(WAIT).code()).isEqualTo(CloseCodes.POLICY_VIOLATION);
    }
    try (FakeShim back = FakeShim.resume(relay.agentUri(), relay.agentToken(orders),
        orders, id, secret)) {
      TunnelMessage.Welcome welcome = back.take(TunnelMessage.Welcome.class, WAIT);

      assertThat(welcome.resumeSecret()).isEqualTo(secret);
      // This fake shim resumes without the stream (its inspector session is gone): the relay
      // hands the session to the owner's tunnel, which ends it as a shim that lost it would.
      Closed closed = devtools.awaitClose(WAIT);
      assertThat(closed.code()).isEqualTo(CloseCodes.TARGET_GONE);
      assertThat(closed.reason()).contains("ended while the tunnel was down");
      assertThat(relay.relay().agents().find(orders, id)).isPresent();
    } finally {
      devtools.close();
    }
  }

  @Test
  void everyNewInstanceGetsItsOwnSecret() throws Exception {
    try (FakeShim one = register(orders, "one-" + UUID.randomUUID());
        FakeShim two = register(orders, "two-" + UUID.randomUUID())) {
      assertThat(one.resumeSecret()).isNotEqualTo(two.resumeSecret()).matches("[A-Za-z0-9_-]{43}");
    }
  }

  @Test
  void aFunctionCannotHaveMoreInstancesThanTheLimitButOthersStillRegister() throws Exception {
    List<FakeShim> agents = Collections.synchronizedList(new ArrayList<>());
    String billing = "b-" + UUID.randomUUID();
    try (FakeShim other = register("billing", billing);
        CdpClient devtools = CdpClient.connect(debuggerUrl("billing", billing))) {
      for (int i = 0; i < MAX_INSTANCES; i++) {
        agents.add(register("flood", "f-" + i));
      }
      FakeShim oneTooMany = FakeShim.connect(relay.agentUri(), relay.agentToken("flood"),
          "flood", "f-" + MAX_INSTANCES);
      agents.add(oneTooMany);

      Closed closed = oneTooMany.awaitClose(WAIT);
      assertThat(closed.code()).isEqualTo(CloseCodes.POLICY_VIOLATION);
      assertThat(closed.reason()).contains("agents.maxInstancesPerFunction");
      assertThat(relay.relay().agents().instancesOf("flood")).hasSize(MAX_INSTANCES);
      assertThat(refusal("instance_limit", "f-" + MAX_INSTANCES).details().get("limit"))
          .hasToString(String.valueOf(MAX_INSTANCES));
      assertHealthy(other, devtools, 3);
      try (FakeShim resumed = FakeShim.connect(relay.agentUri(), relay.agentToken("flood"),
          new TunnelMessage.Hello("flood", "f-0", "node", null, null, "t", true, null,
              agents.get(0).resumeSecret()))) {
        assertThat(resumed.take(TunnelMessage.Welcome.class, WAIT).resumed())
            .as("an instance at the limit still resumes").isTrue();
      }
    } finally {
      agents.forEach(FakeShim::close);
    }
  }

  @Test
  void anInstanceThatLeavesFreesItsPlaceUnderTheLimitForANewOne() throws Exception {
    String function = "churn-" + UUID.randomUUID().toString().substring(0, 8);
    List<FakeShim> agents = new ArrayList<>();
    try {
      for (int round = 0; round < 3; round++) { // the count goes down as often as up
        while (agents.size() < MAX_INSTANCES) {
          agents.add(register(function, "c-" + round + "-" + agents.size()));
        }
        FakeShim leaving = agents.remove(0);
        leaving.leave("the function exited");
        Poll.until(WAIT, "the instance that left is no longer listed",
            () -> relay.relay().agents().instancesOf(function).size() == MAX_INSTANCES - 1);
      }
      FakeShim last = register(function, "c-last");
      agents.add(last);
      assertThat(relay.relay().agents().instancesOf(function)).hasSize(MAX_INSTANCES);
      FakeShim oneTooMany = FakeShim.connect(relay.agentUri(), relay.agentToken(function),
          function, "c-too-many");
      agents.add(oneTooMany);
      assertThat(oneTooMany.awaitClose(WAIT).reason()).contains("agents.maxInstancesPerFunction");
    } finally {
      agents.forEach(FakeShim::close);
    }
  }

  @Test
  void anOversizeHelloIsRefusedAndNotListed() throws Exception {
    String runtime = "node " + "x".repeat(30_000);
    try (FakeShim huge = FakeShim.connect(relay.agentUri(), relay.agentToken(orders),
        new TunnelMessage.Hello(orders, "huge-1", runtime, null, null, "t"))) {
      Closed closed = huge.awaitClose(WAIT);

      assertThat(closed.code()).isEqualTo(CloseCodes.POLICY_VIOLATION);
      assertThat(closed.reason()).contains("runtime").contains("agents.maxRuntimeLength");
    }
    List<Target> targets = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      targets.add(new Target("t-" + i, "node", "x", "file:///x.js"));
    }
    try (FakeShim many = FakeShim.connect(relay.agentUri(), relay.agentToken(orders),
        new TunnelMessage.Hello(orders, "many-1", "node", targets, null, "t"))) {
      assertThat(many.awaitClose(WAIT).reason()).contains("agents.maxTargets");
    }
    assertThat(relay.relay().agents().find(orders, "huge-1")).isEmpty();
    assertThat(relay.relay().agents().find(orders, "many-1")).isEmpty();
    assertThat(refusal("hello_too_large", "huge-1").details().get("reason").toString())
        .doesNotContain("xxxx");
  }

  @Test
  void aHelloThatWouldForgeALogLineIsRefusedAndNotEchoed() throws Exception {
    try (FakeShim forger = FakeShim.connect(relay.agentUri(), relay.agentToken(orders),
        new TunnelMessage.Hello(orders, "forger-1", "node\nINFO agent connected function=admin",
            null, null, "t"))) {
      Closed closed = forger.awaitClose(WAIT);

      assertThat(closed.code()).isEqualTo(CloseCodes.POLICY_VIOLATION);
      assertThat(closed.reason()).contains("runtime holds a control character")
          .doesNotContain("function=admin");
    }
    assertThat(relay.relay().agents().find(orders, "forger-1")).isEmpty();
    refusal("hello_invalid", null);
  }

  @Test
  void anOversizeTargetUpdateClosesOnlyThatShim() throws Exception {
    String id = "grow-" + UUID.randomUUID();
    try (FakeShim grower = register(orders, id)) {
      grower.send(new TunnelMessage.TargetsChanged(List.of(
          new Target("t", "node", "x".repeat(5000), "file:///x.js"))));

      Closed closed = grower.awaitClose(WAIT);
      assertThat(closed.code()).isEqualTo(CloseCodes.POLICY_VIOLATION);
      assertThat(closed.reason()).contains("agents.maxTargetFieldLength");
      refusal("targets_too_large", id);
    }
  }

  private static FakeShim register(String function, String instance) throws Exception {
    return FakeShim.register(relay.agentUri(), relay.agentToken(function), function, instance);
  }

  /** The agent still carries its DevTools session: a message goes through and is echoed. */
  private static void assertHealthy(FakeShim real, CdpClient devtools, int id)
      throws Exception {
    devtools.sendText("{\"id\":" + id + ",\"method\":\"stillMine\"}");
    assertThat(devtools.take(WAIT)).contains("stillMine");
    assertThat(real.isClosed()).as("the real shim's tunnel is open").isFalse();
  }

  private static AuditRecord refusal(String error, String instance) {
    AuditRecord record = Poll.until(WAIT, "an agent.refused record " + error + " for " + instance,
        () -> refusals(error, instance).stream().findFirst().orElse(null));
    assertThat(record.text("code")).isEqualTo("TAG003E");
    assertThat(record.text("type")).isEqualTo("agent.refused");
    return record;
  }

  private static List<AuditRecord> refusals(String error, String instance) {
    List<AuditRecord> records;
    try {
      relay.relay().audit().flush(WAIT);
      records = relay.relay().audit().store().query(AuditQuery.latest(1000).withType("TAG003E"))
          .records();
    } catch (java.io.IOException | InterruptedException e) {
      throw new AssertionError("cannot read the audit trail", e);
    }
    return records.stream()
        .filter(r -> error.equals(r.details().get("error")))
        .filter(r -> java.util.Objects.equals(instance, r.text("instance")))
        .toList();
  }

  private static String debuggerUrl(String function, String instance) throws Exception {
    var response = relay.call("POST", "/api/sessions", relay.userToken("alice", function),
        "{\"function\":\"" + function + "\",\"instance\":\"" + instance + "\"}");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    JsonNode body = Json.MAPPER.readTree(response.body());
    return body.path("webSocketDebuggerUrl").asText();
  }
}
