package dev.tether.relay.targets;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.http.Json;
import dev.tether.relay.testing.TestRelay;
import dev.tether.testkit.Poll;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.socket.Closed;
import dev.tether.testkit.tunnel.FakeShim;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A function session through a real relay and fake shims: the browser side of CDP's Target
 * domain, with flatten false (as the hosted node_app.html drives it) and true (Puppeteer).
 */
@Timeout(60)
class FunctionSessionTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @RegisterExtension static final TestRelay relay = TestRelay.perClass();
  private final List<FakeShim> agents = new ArrayList<>();
  private String function;
  private String alice;

  @BeforeEach
  void names() {
    function = "fn-" + UUID.randomUUID().toString().substring(0, 8);
    alice = relay.userToken("alice-" + function, function); // one user per test: sessions per user are limited
  }

  @AfterEach
  void dropAgents() {
    agents.forEach(FakeShim::close);
  }

  @Test
  void aFunctionSessionOffersEachLiveInstanceAsANodeTargetAndOpensTheNodeFrontEnd()
      throws Exception {
    agent("a");
    agent("b");

    JsonNode session = session("full");

    assertThat(session.path("scope").asText()).isEqualTo("function");
    assertThat(session.has("instance")).isFalse();
    assertThat(session.path("devtoolsFrontendUrl").asText()).contains("/devtools/tether_node_app.html?ws=");
    try (CdpClient devtools = connect(session)) {
      devtools.sendText("{\"id\":1,\"method\":\"Target.setDiscoverTargets\",\"params\":{\"discover\":true}}");

      assertThat(json(devtools.take(WAIT)).path("id").asInt()).isEqualTo(1);
      List<JsonNode> created = List.of(json(devtools.take(WAIT)), json(devtools.take(WAIT)));
      assertThat(created).allSatisfy(event -> {
        assertThat(event.path("method").asText()).isEqualTo("Target.targetCreated");
        assertThat(event.path("params").path("targetInfo").path("type").asText()).isEqualTo("node");
      });
      assertThat(created).extracting(e -> e.path("params").path("targetInfo").path("title").asText())
          .containsExactlyInAnyOrder(function + "/a", function + "/b");
    }
  }

  @Test
  void attachingWithoutFlattenCarriesEachCommandAndReplyInsideTargetMessages() throws Exception {
    FakeShim a = agent("a").echo(false);
    try (CdpClient devtools = connect(session("full"))) {
      String sessionId = attach(devtools, "a", false);
      int stream = a.take(TunnelMessage.Open.class, WAIT).stream();
      String inner = "{\"id\":7,\"method\":\"Debugger.setBreakpointByUrl\",\"params\":{\"lineNumber\":3,\"url\":\"file:///x.js\"}}";

      devtools.sendText(message(10, sessionId, inner));

      assertThat(a.takeData(WAIT)).isEqualTo(inner);
      assertThat(json(devtools.take(WAIT)).path("id").asInt()).isEqualTo(10);
      String reply = "{\"id\":7,\"result\":{\"breakpointId\":\"1:3:0:file:///x.js\",\"locations\":[]}}";
      a.push(stream, reply);
      JsonNode received = json(devtools.take(WAIT));
      assertThat(received.path("method").asText()).isEqualTo("Target.receivedMessageFromTarget");
      assertThat(received.path("params").path("sessionId").asText()).isEqualTo(sessionId);
      assertThat(received.path("params").path("targetId").asText()).isEqualTo("a");
      assertThat(received.path("params").path("message").asText()).isEqualTo(reply);
    }
  }

  @Test
  void flattenedCommandsGoToTheirSessionsTargetAndRepliesComeBackWithTheSessionId()
      throws Exception {
    FakeShim a = agent("a").echo(false);
    FakeShim b = agent("b").echo(false);
    try (CdpClient devtools = connect(session("full"))) {
      String onA = attach(devtools, "a", true);
      String onB = attach(devtools, "b", true);
      int streamB = b.take(TunnelMessage.Open.class, WAIT).stream();

      String command = "{\"id\":3,\"method\":\"Runtime.enable\",\"sessionId\":\"" + onB + "\"}";
      devtools.sendText(command);

      assertThat(b.takeData(WAIT)).isEqualTo(command);
      String forA = "{\"id\":4,\"method\":\"Runtime.enable\",\"sessionId\":\"" + onA + "\"}";
      devtools.sendText(forA);
      assertThat(a.takeData(WAIT)).as("the first thing A saw is its own command").isEqualTo(forA);
      b.push(streamB, "{\"id\":3,\"result\":{}}");
      assertThat(json(devtools.take(WAIT)).path("sessionId").asText()).isEqualTo(onB);
      assertThat(onA).isNotEqualTo(onB);
    }
  }

  @Test
  void eachSessionTakesItsCommandsTheWayItWasAttached() throws Exception {
    FakeShim a = agent("a").echo(false);
    agent("b").echo(false);
    try (CdpClient devtools = connect(session("full"))) {
      String wrapped = attach(devtools, "a", false);
      String flat = attach(devtools, "b", true);

      devtools.sendText("{\"id\":21,\"method\":\"Runtime.enable\",\"sessionId\":\"" + wrapped + "\"}");
      assertThat(take(devtools, m -> m.path("id").asInt() == 21).path("error").path("message")
          .asText()).contains("flatten false");
      devtools.sendText(message(22, flat, "{\"id\":1,\"method\":\"Runtime.enable\"}"));
      assertThat(take(devtools, m -> m.path("id").asInt() == 22).path("error").path("message")
          .asText()).contains("flat protocol");
      devtools.sendText("{\"id\":23,\"method\":\"Runtime.enable\",\"sessionId\":\"nope\"}");
      assertThat(take(devtools, m -> m.path("id").asInt() == 23).path("sessionId").asText())
          .isEqualTo("nope");
      devtools.sendText(message(24, wrapped, "{\"id\":2,\"method\":\"Runtime.enable\"}"));
      assertThat(a.takeData(WAIT)).as("the first thing the target saw is the command after them")
          .isEqualTo("{\"id\":2,\"method\":\"Runtime.enable\"}");
    }
  }

  @Test
  void anInstanceThatComesIsCreatedAndOneThatGoesIsDestroyedWhileTheWindowStaysOpen()
      throws Exception {
    FakeShim a = agent("a").echo(false);
    try (CdpClient devtools = connect(session("full"))) {
      String onA = attach(devtools, "a", false);
      devtools.sendText("{\"id\":1,\"method\":\"Target.setDiscoverTargets\",\"params\":{\"discover\":true}}");
      take(devtools, m -> m.path("id").asInt() == 1);
      take(devtools, m -> m.path("method").asText().equals("Target.targetCreated"));

      agent("c");
      JsonNode created = take(devtools, m -> m.path("method").asText().equals("Target.targetCreated"));
      assertThat(created.path("params").path("targetInfo").path("targetId").asText()).isEqualTo("c");

      a.close();
      JsonNode detached = take(devtools,
          m -> m.path("method").asText().equals("Target.detachedFromTarget"));
      assertThat(detached.path("params").path("sessionId").asText()).isEqualTo(onA);
      JsonNode destroyed = take(devtools,
          m -> m.path("method").asText().equals("Target.targetDestroyed"));
      assertThat(destroyed.path("params").path("targetId").asText()).isEqualTo("a");

      String onC = attach(devtools, "c", false);
      assertThat(onC).isNotBlank();
    }
  }

  @Test
  void aReadOnlyFunctionSessionRefusesCodeChangesOnEveryTargetAndForwardsNothing()
      throws Exception {
    FakeShim a = agent("a").echo(false);
    FakeShim b = agent("b").echo(false);
    try (CdpClient devtools = connect(session("readonly"))) {
      String sessionId = attach(devtools, "a", false);
      String flatSession = attach(devtools, "b", true);
      String change = "{\"id\":5,\"method\":\"Debugger.setScriptSource\",\"params\":{\"scriptId\":\"1\",\"scriptSource\":\"process.exit()\"}}";

      devtools.sendText(message(11, sessionId, change));

      JsonNode refusal = take(devtools,
          m -> m.path("method").asText().equals("Target.receivedMessageFromTarget"));
      JsonNode inner = json(refusal.path("params").path("message").asText());
      assertThat(inner.path("id").asInt()).isEqualTo(5);
      assertThat(inner.path("error").path("message").asText()).contains("read-only");
      String flat = "{\"id\":6,\"method\":\"Runtime.callFunctionOn\",\"sessionId\":\""
          + flatSession + "\",\"params\":{\"functionDeclaration\":\"()=>process.exit()\"}}";
      devtools.sendText(flat);
      assertThat(take(devtools, m -> m.path("id").asInt() == 6).path("error").path("message")
          .asText()).contains("read-only");
      devtools.sendText(message(12, sessionId, "{\"id\":7,\"method\":\"Runtime.getHeapUsage\"}"));
      devtools.sendText("{\"id\":8,\"method\":\"Runtime.getHeapUsage\",\"sessionId\":\""
          + flatSession + "\"}");
      assertThat(json(a.takeData(WAIT)).path("id").asInt())
          .as("nothing reached the function before the allowed command").isEqualTo(7);
      assertThat(json(b.takeData(WAIT)).path("id").asInt())
          .as("nothing reached the function before the allowed command").isEqualTo(8);
    }
  }

  @Test
  void aCommandSmuggledInsideTargetMessageWithADuplicateMethodIsRefusedUnread() throws Exception {
    FakeShim a = agent("a").echo(false);
    try (CdpClient devtools = connect(session("readonly"))) {
      String sessionId = attach(devtools, "a", false);
      String twoMethods = "{\"id\":5,\"method\":\"Runtime.enable\",\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"process.exit()\"}}";

      devtools.sendText(message(12, sessionId, twoMethods));

      JsonNode reply = take(devtools, m -> m.path("id").asInt() == 12);
      assertThat(reply.path("error").path("message").asText()).contains("a key appears twice");
      devtools.sendText(message(13, sessionId, "{\"id\":6,\"method\":\"Runtime.getHeapUsage\"}"));
      assertThat(json(a.takeData(WAIT)).path("id").asInt())
          .as("the first thing the target saw is the command after it").isEqualTo(6);
    }
  }

  @Test
  void anInstanceOfAnotherFunctionIsNeverOfferedNorAttachable() throws Exception {
    agent("a");
    String other = "other-" + UUID.randomUUID().toString().substring(0, 8);
    FakeShim foreign = FakeShim.register(relay.agentUri(), relay.agentToken(other), other, "x");
    agents.add(foreign);
    try (CdpClient devtools = connect(session("full"))) {
      devtools.sendText("{\"id\":1,\"method\":\"Target.getTargets\"}");
      JsonNode infos = json(devtools.take(WAIT)).path("result").path("targetInfos");
      assertThat(infos).extracting(i -> i.path("targetId").asText()).containsExactly("a");

      devtools.sendText("{\"id\":2,\"method\":\"Target.attachToTarget\",\"params\":{\"targetId\":\"x\",\"flatten\":true}}");
      JsonNode refused = json(devtools.take(WAIT));
      assertThat(refused.path("error").path("message").asText()).contains("not a live instance");
      // The foreign instance's own user opens a session on it: the first stream it is asked to
      // open is that one, and it was asked for nothing else before it.
      foreign.echo(false);
      try (CdpClient own = CdpClient.connect(json(relay.call("POST", "/api/sessions",
          relay.userToken("owner-" + other, other), "{\"function\":\"" + other + "\"}").body())
          .path("webSocketDebuggerUrl").asText())) {
        own.sendText("{\"id\":1,\"method\":\"Runtime.enable\"}");
        assertThat(foreign.takeData(WAIT)).isEqualTo("{\"id\":1,\"method\":\"Runtime.enable\"}");
        assertThat(foreign.queued(TunnelMessage.Open.class)).as("streams the relay opened on it")
            .hasSize(1);
      }
    }
  }

  @Test
  void theAuditNamesTheInstanceThatRanEachCodeRunningCommand() throws Exception {
    agent("a").echo(false);
    agent("b").echo(false);
    JsonNode session = session("full");
    try (CdpClient devtools = connect(session)) {
      String onB = attach(devtools, "b", true);
      devtools.sendText("{\"id\":4,\"method\":\"Runtime.evaluate\",\"sessionId\":\"" + onB
          + "\",\"params\":{\"expression\":\"globalThis.orders\"}}");
      String onA = attach(devtools, "a", false);
      devtools.sendText(message(13, onA,
          "{\"id\":9,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"1+1\"}}"));
      take(devtools, m -> m.path("id").asInt() == 13);
    }
    assertThat(relay.relay().audit().flush(WAIT)).isTrue();
    HttpResponse<String> response = relay.call("GET", "/api/admin/audit?type=cdp.command&session="
        + session.path("sessionId").asText(), relay.adminToken("carol"), null);
    JsonNode events = json(response.body()).path("events");
    Map<String, String> instanceByExpression = new HashMap<>();
    events.forEach(e -> instanceByExpression.put(
        e.path("details").path("code.expression").asText(), e.path("instance").asText()));
    assertThat(instanceByExpression)
        .containsEntry("globalThis.orders", "b").containsEntry("1+1", "a");
  }

  @Test
  void aNewInstanceIsAskedToHoldBeforeItsFirstLineOnlyWhileAFunctionWindowIsAttached()
      throws Exception {
    assertThat(welcome("early").holds()).as("no function session, no wait").isFalse();
    JsonNode session = session("full");
    assertThat(welcome("requested").holds()).as("a session nobody attached to").isFalse();

    try (CdpClient devtools = connect(session)) {
      Poll.until(WAIT, "the window to attach", () -> relay.relay().sessions()
          .find(session.path("sessionId").asText()).orElseThrow().state()
          == dev.tether.relay.session.SessionState.ATTACHED);
      assertThat(welcome("cold-start").holds()).isTrue();
    }
    Poll.until(WAIT, "the window to detach", () -> relay.relay().sessions()
        .find(session.path("sessionId").asText()).orElseThrow().state()
        != dev.tether.relay.session.SessionState.ATTACHED);
    assertThat(welcome("after").holds()).isFalse();
  }

  @Test
  void aReadOnlyWindowNeverHoldsTheFunctionsColdStarts() throws Exception {
    JsonNode session = session("readonly");

    try (CdpClient devtools = connect(session)) {
      Poll.until(WAIT, "the window to attach", () -> relay.relay().sessions()
          .find(session.path("sessionId").asText()).orElseThrow().state()
          == dev.tether.relay.session.SessionState.ATTACHED);
      assertThat(welcome("cold-start-ro").holds())
          .as("a read-only user may not slow the function down").isFalse();
    }
  }

  private TunnelMessage.Welcome welcome(String instance) throws Exception {
    FakeShim agent = FakeShim.connect(relay.agentUri(), relay.agentToken(function), function,
        instance);
    agents.add(agent);
    return agent.take(TunnelMessage.Welcome.class, WAIT);
  }

  @Test
  void anAdminTerminatingAFunctionSessionClosesTheWindowWithTheReason() throws Exception {
    agent("a");
    JsonNode session = session("full");
    try (CdpClient devtools = connect(session)) {
      attach(devtools, "a", true);

      HttpResponse<String> response = relay.call("DELETE", "/api/admin/sessions/"
          + session.path("sessionId").asText(), relay.adminToken("carol"),
          "{\"reason\":\"incident 7\"}");

      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      Closed closed = devtools.awaitClose(WAIT);
      assertThat(closed.code()).isEqualTo(4003);
      assertThat(closed.reason()).contains("incident 7");
    }
  }

  @Test
  void aFunctionSessionNeedsNoInstanceAndRefusesOneNamed() throws Exception {
    HttpResponse<String> none = relay.call("POST", "/api/sessions", alice,
        "{\"function\":\"" + function + "\",\"scope\":\"function\"}");
    assertThat(none.statusCode()).as(none.body()).isEqualTo(201);

    HttpResponse<String> named = relay.call("POST", "/api/sessions", alice,
        "{\"function\":\"" + function + "\",\"scope\":\"function\",\"instance\":\"a\"}");
    assertThat(named.statusCode()).isEqualTo(400);
    HttpResponse<String> bad = relay.call("POST", "/api/sessions", alice,
        "{\"function\":\"" + function + "\",\"scope\":\"everything\"}");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(json(bad.body()).path("error").asText()).isEqualTo("bad_body");
  }

  // helpers

  private FakeShim agent(String instance) throws Exception {
    FakeShim agent = FakeShim.register(relay.agentUri(), relay.agentToken(function), function,
        instance);
    agents.add(agent);
    return agent;
  }

  private JsonNode session(String mode) throws Exception {
    HttpResponse<String> response = relay.call("POST", "/api/sessions", alice,
        "{\"function\":\"" + function + "\",\"scope\":\"function\",\"mode\":\"" + mode + "\"}");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return json(response.body());
  }

  private static CdpClient connect(JsonNode session) throws Exception {
    return CdpClient.connect(session.path("webSocketDebuggerUrl").asText());
  }

  private static int nextId = 1000;

  /** Attaches and returns the CDP session id, after the attachedToTarget event and the reply. */
  private static String attach(CdpClient devtools, String target, boolean flatten)
      throws Exception {
    int id = ++nextId;
    devtools.sendText("{\"id\":" + id + ",\"method\":\"Target.attachToTarget\",\"params\":{\"targetId\":\""
        + target + "\",\"flatten\":" + flatten + "}}");
    JsonNode event = take(devtools,
        m -> m.path("method").asText().equals("Target.attachedToTarget"));
    assertThat(event.path("params").path("targetInfo").path("targetId").asText()).isEqualTo(target);
    JsonNode reply = take(devtools, m -> m.path("id").asInt() == id);
    assertThat(reply.path("result").path("sessionId").asText())
        .isEqualTo(event.path("params").path("sessionId").asText());
    return reply.path("result").path("sessionId").asText();
  }

  private static String message(int id, String sessionId, String inner) {
    return "{\"id\":" + id + ",\"method\":\"Target.sendMessageToTarget\",\"params\":{\"sessionId\":"
        + "\"" + sessionId + "\",\"message\":" + Json.MAPPER.valueToTree(inner) + "}}";
  }

  /** The next message that matches, skipping others; fails after the wait. */
  private static JsonNode take(CdpClient devtools, Predicate<JsonNode> wanted)
      throws Exception {
    long until = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < until) {
      JsonNode next = json(devtools.take(WAIT));
      if (wanted.test(next)) {
        return next;
      }
    }
    throw new AssertionError("no matching message within " + WAIT);
  }

  private static JsonNode json(String text) throws Exception {
    return Json.MAPPER.readTree(text);
  }
}
