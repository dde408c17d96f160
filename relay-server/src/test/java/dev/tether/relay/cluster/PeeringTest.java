package dev.tether.relay.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.http.Json;
import dev.tether.relay.testing.TestCluster;
import dev.tether.relay.testing.TestRelay;
import dev.tether.testkit.Poll;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.socket.Closed;
import dev.tether.testkit.tunnel.FakeShim;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two relays, one Redis: every DevTools socket node A forwards to node B rides one peer link with
 * the tunnel's framing and credit, a DevTools that stops reading stalls only its own stream, a
 * read-only session stays read-only across the link, and a lost link closes its sockets with a
 * code and a reason and is dialled again by the next session.
 */
@Timeout(120)
class PeeringTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final int A = 0;
  private static final int B = 1;

  @RegisterExtension
  static final TestCluster.PerClass cluster = TestCluster.perClass(2);
  private final List<AutoCloseable> closeLater = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable closeable : closeLater) {
      closeable.close();
    }
  }

  private String agentOnB(boolean echo) throws Exception {
    return agentOnB(echo, "i-" + UUID.randomUUID()).instance();
  }

  private record Agent(FakeShim fake, String instance) {}

  private Agent agentOnB(boolean echo, String instance) throws Exception {
    TestRelay relay = cluster.node(B);
    FakeShim agent = FakeShim.register(relay.agentUri(), relay.agentToken("orders"), "orders",
        instance).echo(echo);
    closeLater.add(agent);
    Cluster onA = cluster.node(A).relay().cluster().orElseThrow();
    Poll.until(WAIT, "node A to see the instance of node B",
        () -> onA.findRemote("orders", instance).isPresent());
    return new Agent(agent, instance);
  }

  private CdpClient devtoolsOnA(String instance, String mode) throws Exception {
    // A user of its own for each session: live sessions per user are limited.
    String user = cluster.node(A).userToken("dev-" + UUID.randomUUID(), "orders");
    HttpResponse<String> created = cluster.node(A).call("POST", "/api/sessions", user,
        "{\"function\":\"orders\",\"instance\":\"" + instance + "\",\"mode\":\"" + mode + "\"}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode session = Json.MAPPER.readTree(created.body());
    CdpClient client = CdpClient.connect(
        cluster.via(A, session.path("webSocketDebuggerUrl").asText()));
    closeLater.add(0, client);
    return client;
  }

  private static PeerLinks links(int node) {
    return cluster.node(node).relay().peerLinks().orElseThrow();
  }

  @Test
  void manySessionsFromOneNodeToAnotherShareOnePeerSocket() throws Exception {
    String instance = agentOnB(true);
    int dialledBefore = links(A).dialled();
    int acceptedBefore = links(B).accepted();

    List<CdpClient> clients = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      clients.add(devtoolsOnA(instance, "full"));
    }
    for (int i = 0; i < clients.size(); i++) {
      String command = "{\"id\":" + i + ",\"method\":\"Runtime.evaluate\"}";
      clients.get(i).sendText(command);
      assertThat(clients.get(i).take(WAIT)).isEqualTo(command);
    }

    assertThat(links(A).streams()).isEqualTo(6);
    assertThat(links(A).open()).as("open peer sockets on A").isEqualTo(1);
    assertThat(links(A).dialled() - dialledBefore).as("peer sockets A dialled for six sessions")
        .isLessThanOrEqualTo(1);
    assertThat(links(B).accepted() - acceptedBefore).as("peer sockets B accepted")
        .isEqualTo(links(A).dialled() - dialledBefore);
  }

  @Test
  void aDevToolsThatStopsReadingStallsOnlyItsOwnStream() throws Exception {
    Agent shim = agentOnB(true, "i-" + UUID.randomUUID());
    FakeShim agent = shim.fake();
    String instance = shim.instance();
    CdpClient stalled = devtoolsOnA(instance, "full");
    int flooded = agent.take(TunnelMessage.Open.class, WAIT).stream();
    CdpClient other = devtoolsOnA(instance, "full");
    agent.take(TunnelMessage.Open.class, WAIT);

    stalled.stopReading();
    agent.flood(flooded, 64 * 1024);
    AtomicLong seen = new AtomicLong(-1);
    Poll.until(WAIT, "the flood to stop at the stalled stream's credit", () -> {
      long now = agent.pushedBytes();
      return now > 1024 * 1024 && now == seen.getAndSet(now);
    });

    for (int i = 0; i < 20; i++) {
      String command = "{\"id\":" + i + ",\"method\":\"Runtime.evaluate\"}";
      other.sendText(command);
      assertThat(other.take(Duration.ofSeconds(5))).isEqualTo(command);
    }
    long held = agent.pushedBytes();
    assertThat(held).as("bytes the stalled stream let the shim send: its credit windows along"
        + " the way, never the whole flood").isLessThan(40L * 1024 * 1024);
  }

  @Test
  void aReadOnlySessionStaysReadOnlyAcrossThePeerLink() throws Exception {
    Agent shim = agentOnB(false, "i-" + UUID.randomUUID());
    FakeShim agent = shim.fake();
    CdpClient client = devtoolsOnA(shim.instance(), "readonly");
    agent.take(TunnelMessage.Open.class, WAIT);

    // The attack: a code change split over frames, so no one frame holds the method name; the
    // holding node must read the message as V8 would and refuse it.
    client.sendFragments("{\"id\":1,\"method\":\"Debugger.setScr",
        "iptSource\",\"params\":{\"scriptId\":\"1\",\"scriptSource\":\"process.exit(1)\"}}");
    client.sendText("{\"id\":2,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":"
        + "\"globalThis.x = 1\",\"throwOnSideEffect\":false}}");
    client.sendText("{\"id\":3,\"method\":\"Debugger.enable\"}");

    JsonNode refusal = Json.MAPPER.readTree(client.take(WAIT));
    assertThat(refusal.path("id").asInt()).isEqualTo(1);
    assertThat(refusal.path("error").path("message").asText()).contains("read-only");
    String evaluate = agent.takeData(WAIT);
    assertThat(evaluate).as("an evaluation reaches the function only with V8's side-effect check on")
        .contains("\"id\":2").contains("\"throwOnSideEffect\":true")
        .doesNotContain("\"throwOnSideEffect\":false");
    assertThat(agent.takeData(WAIT)).contains("Debugger.enable");
    assertThat(agent.pollData(Duration.ofMillis(300))).as("the code change never reaches it")
        .isNull();
  }

  @Test
  void aLostPeerLinkClosesItsSocketsWithAReasonAndTheNextSessionDialsAgain() throws Exception {
    String instance = agentOnB(true);
    CdpClient client = devtoolsOnA(instance, "full");
    client.sendText("{\"id\":1,\"method\":\"before\"}");
    assertThat(client.take(WAIT)).isEqualTo("{\"id\":1,\"method\":\"before\"}");
    int dialled = links(A).dialled();

    links(A).dropAll();

    Closed closed = client.awaitClose(WAIT);
    assertThat(closed.code()).isEqualTo(CloseCodes.NODE_LOST);
    assertThat(closed.reason()).contains("relay-b").contains("attach again");
    CdpClient next = devtoolsOnA(instance, "full");
    next.sendText("{\"id\":2,\"method\":\"after\"}");
    assertThat(next.take(WAIT)).isEqualTo("{\"id\":2,\"method\":\"after\"}");
    assertThat(links(A).dialled()).isEqualTo(dialled + 1);
  }

  @Test
  void aFunctionSessionHeldOnOneNodeIsDrivenThroughThePeerLinkFromAnother() throws Exception {
    String function = "fn-" + UUID.randomUUID().toString().substring(0, 8);
    FakeShim agent = FakeShim.register(cluster.node(B).agentUri(),
        cluster.node(B).agentToken(function), function, "one").echo(true);
    closeLater.add(agent);
    String alice = cluster.node(B).userToken("alice", function);
    HttpResponse<String> created = cluster.node(B).call("POST", "/api/sessions", alice,
        "{\"function\":\"" + function + "\",\"scope\":\"function\"}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    CdpClient client = CdpClient.connect(cluster.via(A, Json.MAPPER.readTree(
        created.body()).path("webSocketDebuggerUrl").asText()));
    closeLater.add(0, client);

    client.sendText("{\"id\":1,\"method\":\"Target.setDiscoverTargets\","
        + "\"params\":{\"discover\":true}}");

    JsonNode target = takeUntil(client, m -> m.path("method").asText()
        .equals("Target.targetCreated"));
    assertThat(target.path("params").path("targetInfo").path("title").asText())
        .isEqualTo(function + "/one");
    client.sendText("{\"id\":2,\"method\":\"Target.attachToTarget\",\"params\":"
        + "{\"targetId\":\"one\",\"flatten\":true}}");
    String sessionId = takeUntil(client, m -> m.path("method").asText()
        .equals("Target.attachedToTarget")).path("params").path("sessionId").asText();
    client.sendText("{\"id\":3,\"method\":\"Runtime.evaluate\",\"sessionId\":\"" + sessionId
        + "\"}");

    JsonNode echoed = takeUntil(client, m -> m.path("id").asInt() == 3);
    assertThat(echoed.path("sessionId").asText()).isEqualTo(sessionId);
  }

  /** The first message matching {@code wanted}, skipping the others; fails after the wait. */
  private static JsonNode takeUntil(CdpClient client, Predicate<JsonNode> wanted)
      throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      String next = client.poll(Duration.ofMillis(200));
      if (next != null && wanted.test(Json.MAPPER.readTree(next))) {
        return Json.MAPPER.readTree(next);
      }
    }
    throw new AssertionError("no matching message within " + WAIT.toMillis() + " ms");
  }
}
