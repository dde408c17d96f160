package dev.tether.relay.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.agent.StreamPeer;
import dev.tether.relay.agent.TunnelStream;
import dev.tether.relay.config.ClusterConfig;
import dev.tether.relay.http.Json;
import dev.tether.relay.testing.TestCluster;
import dev.tether.testkit.Poll;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.tunnel.FakeShim;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two relays, one Redis: a function session on node A lists the function's instances of both
 * nodes as targets, attaches to the one node B holds over the peer link, sees it go when its shim
 * stops, and stays read-only there; node B opens an instance stream only for a function session
 * that node A really holds for that function; the function's index in Redis lists the instances
 * of every node, no other function's, and drops a dead node's once they are not renewed.
 */
@Timeout(120)
class FunctionSessionsAcrossNodesTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final int A = 0;
  private static final int B = 1;

  @RegisterExtension
  static final TestCluster.PerClass cluster = TestCluster.perClass(2);
  private final List<AutoCloseable> closeLater = new ArrayList<>();
  private final String function = "fn-" + UUID.randomUUID().toString().substring(0, 8);
  private String session; // the last function session opened on node A

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable closeable : closeLater) {
      closeable.close();
    }
  }

  private FakeShim agent(int node, String instance, boolean echo) throws Exception {
    FakeShim agent = FakeShim.register(cluster.node(node).agentUri(),
        cluster.node(node).agentToken(function), function, instance).echo(echo);
    closeLater.add(agent);
    return agent;
  }

  private FakeShim agentOnB(String instance, boolean echo) throws Exception {
    FakeShim agent = agent(B, instance, echo);
    Cluster onA = cluster.node(A).relay().cluster().orElseThrow();
    Poll.until(WAIT, "node A to see the instance of node B",
        () -> onA.findRemote(function, instance).isPresent());
    return agent;
  }

  /** A function session created on node A and its DevTools socket, discovering targets. */
  private CdpClient functionSessionOnA(String mode) throws Exception {
    String user = cluster.node(A).userToken("dev-" + UUID.randomUUID(), function);
    HttpResponse<String> created = cluster.node(A).call("POST", "/api/sessions", user,
        "{\"function\":\"" + function + "\",\"scope\":\"function\",\"mode\":\"" + mode + "\"}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    session = Json.MAPPER.readTree(created.body()).path("sessionId").asText();
    CdpClient client = CdpClient.connect(cluster.via(A, Json.MAPPER.readTree(
        created.body()).path("webSocketDebuggerUrl").asText()));
    closeLater.add(0, client);
    client.sendText("{\"id\":1,\"method\":\"Target.setDiscoverTargets\","
        + "\"params\":{\"discover\":true}}");
    return client;
  }

  private static String attach(CdpClient client, String targetId) throws Exception {
    client.sendText("{\"id\":2,\"method\":\"Target.attachToTarget\",\"params\":"
        + "{\"targetId\":\"" + targetId + "\",\"flatten\":true}}");
    JsonNode attached = takeUntil(client, m -> m.path("method").asText()
        .equals("Target.attachedToTarget") || m.path("id").asInt() == 2 && m.has("error"));
    assertThat(attached.path("error").isMissingNode()).as(attached.toString()).isTrue();
    assertThat(attached.path("params").path("targetInfo").path("targetId").asText())
        .isEqualTo(targetId);
    return attached.path("params").path("sessionId").asText();
  }

  @Test
  void aFunctionSessionOnOneNodeSeesTheInstancesOfBothAndDrivesTheOneOnTheOther()
      throws Exception {
    agent(A, "here", true);
    FakeShim there = agentOnB("there", true);
    CdpClient client = functionSessionOnA("full");

    Set<String> targets = new HashSet<>();
    while (targets.size() < 2) {
      JsonNode created = takeUntil(client, m -> m.path("method").asText()
          .equals("Target.targetCreated"));
      assertThat(created.path("params").path("targetInfo").path("type").asText())
          .isEqualTo("node");
      targets.add(created.path("params").path("targetInfo").path("targetId").asText());
    }
    assertThat(targets).containsExactlyInAnyOrder("here", "there");

    String sessionId = attach(client, "there");
    assertThat(there.take(TunnelMessage.Open.class, WAIT).target())
        .isEqualTo(FakeShim.TARGET);
    client.sendText("{\"id\":3,\"method\":\"Runtime.evaluate\",\"sessionId\":\"" + sessionId
        + "\",\"params\":{\"expression\":\"1+1\"}}");
    JsonNode answer = takeUntil(client, m -> m.path("id").asInt() == 3);
    assertThat(answer.path("sessionId").asText()).isEqualTo(sessionId);
    assertThat(answer.path("params").path("expression").asText())
        .as("the shim on node B answered").isEqualTo("1+1");

    assertThat(cluster.node(A).relay().audit().flush(WAIT)).isTrue();
    HttpResponse<String> audit = cluster.node(A).call("GET", "/api/admin/audit?type=cdp.command"
        + "&session=" + session, cluster.node(A).adminToken("carol"), null);
    assertThat(Json.MAPPER.readTree(audit.body()).path("events")).as("node A audits the command"
        + " it judged, naming the instance of node B").anySatisfy(event -> {
          assertThat(event.path("instance").asText()).isEqualTo("there");
          assertThat(event.path("details").path("code.expression").asText()).isEqualTo("1+1");
        });
  }

  @Test
  void anInstanceOfTheOtherNodeIsDestroyedAsATargetWhenItsShimStops() throws Exception {
    FakeShim there = agentOnB("gone-soon", true);
    CdpClient client = functionSessionOnA("full");
    takeUntil(client, m -> m.path("method").asText().equals("Target.targetCreated"));
    String sessionId = attach(client, "gone-soon");

    there.close();

    JsonNode detached = takeUntil(client, m -> m.path("method").asText()
        .equals("Target.detachedFromTarget"));
    assertThat(detached.path("params").path("sessionId").asText()).isEqualTo(sessionId);
    JsonNode destroyed = takeUntil(client, m -> m.path("method").asText()
        .equals("Target.targetDestroyed"));
    assertThat(destroyed.path("params").path("targetId").asText()).isEqualTo("gone-soon");
  }

  @Test
  void anInstanceOfADeadNodeLeavesTheFunctionsIndexAndTheSessionsTargetsOnceItsEntryIsNotRenewed()
      throws Exception {
    // A node that wrote one agent and died: its store writes once and never renews.
    ClusterStore dead = new ClusterStore(new ClusterConfig("relay-dead",
        URI.create(cluster.redis().url(0)), URI.create("ws://127.0.0.1:9"), Duration.ofSeconds(2),
        null, null));
    closeLater.add(dead);
    agentOnB("alive", false); // node B renews the function's index, so only pruning drops a member
    String key = Cluster.agentKey(function, "ghost");
    String index = ClusterStore.indexKey(function);
    CdpClient client = functionSessionOnA("full");
    takeUntil(client, m -> m.path("id").asInt() == 1); // discovering now: the entry is news
    dead.put(Map.of(key, "{\"function\":\"" + function + "\",\"instance\":\"ghost\","
        + "\"node\":\"relay-dead\",\"peer\":\"ws://127.0.0.1:9\",\"runtime\":\"node\","
        + "\"connectedAt\":\"2026-11-30T00:00:00Z\",\"sessions\":0}"), Map.of(key, index),
        List.of());

    takeUntil(client, m -> m.path("method").asText().equals("Target.targetCreated")
        && m.path("params").path("targetInfo").path("targetId").asText().equals("ghost"));
    JsonNode destroyed = takeUntil(client, m -> m.path("method").asText()
        .equals("Target.targetDestroyed"));
    assertThat(destroyed.path("params").path("targetId").asText()).isEqualTo("ghost");
    ClusterStore store = cluster.node(A).relay().cluster().orElseThrow().store();
    Poll.until(WAIT, "the watching node's read to prune the dead node's entry from the index",
        () -> !store.indexMembers(index).contains(key));
    assertThat(store.indexMembers(index)).containsExactly(Cluster.agentKey(function, "alive"));
  }

  @Test
  void aFunctionsIndexListsItsInstancesOfEveryNodeAndNoneOfAnotherFunction() throws Exception {
    String other = function + "-other";
    agent(A, "one", false);
    FakeShim two = agentOnB("two", false);
    closeLater.add(FakeShim.register(cluster.node(B).agentUri(),
        cluster.node(B).agentToken(other), other, "three"));
    ClusterStore store = cluster.node(A).relay().cluster().orElseThrow().store();

    Poll.until(WAIT, "both nodes' instances in the function's index", () -> store
        .indexMembers(ClusterStore.indexKey(function)).size() == 2);
    assertThat(store.indexMembers(ClusterStore.indexKey(function))).containsExactlyInAnyOrder(
        Cluster.agentKey(function, "one"), Cluster.agentKey(function, "two"));
    Poll.until(WAIT, "the other function's instance in its own index", () -> store
        .indexMembers(ClusterStore.indexKey(other)).size() == 1);
    assertThat(store.indexMembers(ClusterStore.indexKey(other)))
        .containsExactly(Cluster.agentKey(other, "three"));

    two.close();
    Poll.until(WAIT, "the instance that went to leave the index at once", () -> store
        .indexMembers(ClusterStore.indexKey(function)).size() == 1);
    assertThat(store.indexMembers(ClusterStore.indexKey(function)))
        .containsExactly(Cluster.agentKey(function, "one"));
  }

  @Test
  void aReadOnlyFunctionSessionCannotRunCodeOnAnInstanceOfTheOtherNode() throws Exception {
    FakeShim there = agentOnB("guarded", false);
    CdpClient client = functionSessionOnA("readonly");
    takeUntil(client, m -> m.path("method").asText().equals("Target.targetCreated"));
    String sessionId = attach(client, "guarded");
    there.take(TunnelMessage.Open.class, WAIT);

    // The attack: a code change split over frames, then an evaluation that asks V8 not to
    // check for side effects, and the same code change wrapped in sendMessageToTarget.
    client.sendFragments(
        "{\"id\":4,\"sessionId\":\"" + sessionId + "\",\"method\":\"Debugger.setScr",
        "iptSource\",\"params\":{\"scriptId\":\"1\",\"scriptSource\":\"process.exit(1)\"}}");
    client.sendText("{\"id\":5,\"sessionId\":\"" + sessionId + "\",\"method\":\"Runtime.evaluate\","
        + "\"params\":{\"expression\":\"globalThis.x = 1\",\"throwOnSideEffect\":false}}");
    client.sendText("{\"id\":6,\"method\":\"Target.sendMessageToTarget\",\"params\":{\"sessionId\":\""
        + sessionId + "\",\"message\":\"{\\\"id\\\":7,\\\"method\\\":\\\"Runtime.compileScript"
        + "\\\",\\\"params\\\":{\\\"expression\\\":\\\"1\\\",\\\"sourceURL\\\":\\\"x\\\","
        + "\\\"persistScript\\\":true}}\"}}");

    JsonNode refusal = takeUntil(client, m -> m.path("id").asInt() == 4);
    assertThat(refusal.path("error").path("message").asText()).contains("read-only");
    String evaluate = there.takeData(WAIT);
    assertThat(evaluate).as("an evaluation reaches the function only with V8's side-effect check")
        .contains("\"id\":5").contains("\"throwOnSideEffect\":true")
        .doesNotContain("\"throwOnSideEffect\":false");
    String next;
    while ((next = there.pollData(Duration.ofMillis(500))) != null) {
      assertThat(next).as("no code change reaches the function on node B")
          .doesNotContain("setScriptSource").doesNotContain("compileScript");
    }
  }

  @Test
  void theHoldingNodeOpensNoInstanceStreamForASessionTheAskingNodeDoesNotHold()
      throws Exception {
    FakeShim there = agentOnB("forged", true);
    Cluster onA = cluster.node(A).relay().cluster().orElseThrow();
    Cluster.RemoteInstance where = onA.findRemote(function, "forged").orElseThrow();
    PeerLink link = cluster.node(A).relay().peerLinks().orElseThrow()
        .to(where.node(), where.peer()).get(10, TimeUnit.SECONDS);
    // An instance session of node A (not a function session) and a made-up one: both refused.
    String user = cluster.node(A).userToken("mallory", function);
    HttpResponse<String> created = cluster.node(A).call("POST", "/api/sessions", user,
        "{\"function\":\"" + function + "\",\"instance\":\"forged\",\"mode\":\"readonly\"}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String readonly = Json.MAPPER.readTree(created.body()).path("sessionId").asText();

    for (String[] ask : List.of(new String[] {"no-such-session", "full"},
        new String[] {readonly, "full"})) {
      Closing peer = new Closing();
      TunnelStream stream = link.instanceStream(peer);
      link.openInstance(stream, function, "forged", ask[0], "mallory", ask[1]);
      String reason = peer.closed.get(10, TimeUnit.SECONDS);
      assertThat(reason).contains("holds no function session");
    }
    assertThat(there.queued(TunnelMessage.Open.class)).as("the shim was never asked").isEmpty();
  }

  /** A stream peer that only records how its stream ended. */
  private static final class Closing implements StreamPeer {
    final CompletableFuture<String> closed = new CompletableFuture<>();

    @Override
    public void onOpened() {
      closed.complete("opened");
    }

    @Override
    public void onCredit() {}

    @Override
    public void onData(ByteBuffer chunk, boolean fin, Callback written) {
      written.succeeded();
    }

    @Override
    public void onStreamClosed(int code, String reason) {
      closed.complete(reason);
    }
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
