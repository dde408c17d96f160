package dev.tether.relay.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.Tunnel;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.http.Json;
import dev.tether.relay.testing.TestCluster;
import dev.tether.relay.testing.TestRelay;
import dev.tether.testkit.Poll;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.socket.Closed;
import dev.tether.testkit.socket.HandshakeRefused;
import dev.tether.testkit.tunnel.FakeShim;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three relays, one Redis of the test's own: an agent on one node is listed and debugged through
 * another, tickets are single-use across nodes, admins reach every node's sessions, the peer
 * endpoint takes only peer tokens, and Redis going away costs only what needs the other nodes.
 */
@Timeout(120)
class ClusterTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final int A = 0;
  private static final int B = 1;
  private static final int C = 2;

  @RegisterExtension
  static final TestCluster.PerClass cluster = TestCluster.perClass(3);
  private final java.util.List<AutoCloseable> closeLater = new java.util.ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable closeable : closeLater) {
      closeable.close();
    }
  }

  private String agentOn(int node) throws Exception {
    String instance = "i-" + UUID.randomUUID();
    TestRelay relay = cluster.node(node);
    FakeShim agent = FakeShim.register(relay.agentUri(), relay.agentToken("orders"), "orders",
        instance).echo(true);
    closeLater.add(agent);
    return instance;
  }

  private JsonNode createSession(int node, String token, String instance) throws Exception {
    HttpResponse<String> created = cluster.node(node).call("POST", "/api/sessions", token,
        "{\"function\":\"orders\",\"instance\":\"" + instance + "\"}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return Json.MAPPER.readTree(created.body());
  }

  private CdpClient devtools(int node, JsonNode session) throws Exception {
    CdpClient client = CdpClient.connect(
        cluster.via(node, session.path("webSocketDebuggerUrl").asText()));
    closeLater.add(0, client);
    return client;
  }

  @Test
  void anInstanceOnOneNodeIsListedOnAnotherAndDebuggedThroughIt() throws Exception {
    String instance = agentOn(B);
    String alice = cluster.node(A).userToken("alice", "orders");

    Poll.until(WAIT, "node A to list the instance of node B", () -> {
      try {
        return cluster.node(A).call("GET", "/api/functions", alice, null).body().contains(instance);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    JsonNode session = createSession(A, alice, instance);
    CdpClient client = devtools(A, session);
    String command = "{\"id\":7,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"1\"}}";
    client.sendText(command);

    assertThat(client.take(WAIT)).isEqualTo(command);
    assertThat(cluster.node(B).relay().sessions().find(session.path("sessionId").asText()))
        .as("the session lives on the node holding the instance").isPresent();
    assertThat(cluster.node(A).relay().sessions().live()).isEmpty();
    HttpResponse<String> shown = cluster.node(C).call("GET",
        "/api/sessions/" + session.path("sessionId").asText(), alice, null);
    assertThat(shown.statusCode()).as(shown.body()).isEqualTo(200);
    assertThat(shown.body()).contains("\"state\":\"attached\"");
  }

  @Test
  void aTicketUsedOnOneNodeIsRefusedOnAnother() throws Exception {
    String instance = agentOn(B);
    String alice = cluster.node(B).userToken("alice", "orders");
    JsonNode session = createSession(B, alice, instance);
    String url = session.path("webSocketDebuggerUrl").asText();
    devtools(A, session);

    assertThatThrownBy(() -> CdpClient.connect(cluster.via(C, url)))
        .isInstanceOfSatisfying(HandshakeRefused.class, refused -> {
          assertThat(refused.status).isEqualTo(401);
          assertThat(refused.body).contains("ticket_used");
        });
  }

  @Test
  void anAdminOnAnyNodeListsAndTerminatesASessionOfAnother() throws Exception {
    String instance = agentOn(A);
    String alice = cluster.node(A).userToken("alice", "orders");
    JsonNode session = createSession(A, alice, instance);
    String id = session.path("sessionId").asText();
    CdpClient client = devtools(A, session);
    String admin = cluster.node(C).adminToken("carol");

    Poll.until(WAIT, "node C's admin API to list the session on node A", () -> {
      try {
        return cluster.node(C).call("GET", "/api/admin/sessions", admin, null).body().contains(id);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    HttpResponse<String> terminated = cluster.node(C).call("DELETE",
        "/api/admin/sessions/" + id + "?reason=incident", admin, null);

    assertThat(terminated.statusCode()).as(terminated.body()).isEqualTo(202);
    Closed closed = client.awaitClose(WAIT);
    assertThat(closed.code()).isEqualTo(CloseCodes.TERMINATED);
    assertThat(closed.reason()).contains("carol").contains("incident");
  }

  @Test
  void thePeerEndpointTakesOnlyAPeerTokenAndAPeerTokenIsNoUserToken() throws Exception {
    String alice = cluster.node(A).userToken("alice", "orders");
    String peer = cluster.node(A).relay().cluster().orElseThrow().peerTokens().mint("relay-a");

    assertThatThrownBy(() -> CdpClient.connect(
            cluster.node(B).relay().wsUri(Tunnel.PEER_PATH).toString(),
            Map.of("Authorization", "Bearer " + alice)))
        .isInstanceOfSatisfying(HandshakeRefused.class, refused -> {
          assertThat(refused.status).isEqualTo(401);
          assertThat(refused.body).contains("peer_refused");
        });
    HttpResponse<String> asUser = cluster.node(B).call("GET", "/api/functions", peer, null);
    assertThat(asUser.statusCode()).isEqualTo(401);
  }

  @Test
  void withRedisDownLocalSessionsGoOnCrossNodeAttachesGetA503AndItAllComesBack() throws Exception {
    String local = agentOn(A);
    String remote = agentOn(B);
    String alice = cluster.node(A).userToken("alice", "orders");
    Poll.until(WAIT, "node A to see node B's instance", () -> cluster.node(A).relay().cluster()
        .orElseThrow().findRemote("orders", remote).isPresent());
    CdpClient client = devtools(A, createSession(A, alice, local));

    cluster.redis().kill();
    try {
      client.sendText("{\"id\":1,\"method\":\"still\"}");
      assertThat(client.take(WAIT)).isEqualTo("{\"id\":1,\"method\":\"still\"}");
      CdpClient second = devtools(A, createSession(A, alice, local));
      second.sendText("{\"id\":2,\"method\":\"new local\"}");
      assertThat(second.take(WAIT)).isEqualTo("{\"id\":2,\"method\":\"new local\"}");
      HttpResponse<String> refused = cluster.node(A).call("POST", "/api/sessions", alice,
          "{\"function\":\"orders\",\"instance\":\"" + remote + "\"}");
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(refused.body()).contains("cluster_unavailable");
    } finally {
      cluster.redis().restart();
    }

    Poll.until(WAIT, "a cross-node session to open again after Redis came back", () -> {
      try {
        return cluster.node(A).call("POST", "/api/sessions", alice,
            "{\"function\":\"orders\",\"instance\":\"" + remote + "\"}").statusCode() == 201;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    client.sendText("{\"id\":3,\"method\":\"after\"}");
    assertThat(client.take(WAIT)).isEqualTo("{\"id\":3,\"method\":\"after\"}");
  }

  @Test
  void anInstanceThatLeavesItsNodeLeavesEveryNodesList() throws Exception {
    String instance = "i-" + UUID.randomUUID();
    FakeShim agent = FakeShim.register(cluster.node(B).agentUri(),
        cluster.node(B).agentToken("orders"), "orders", instance);
    Cluster onA = cluster.node(A).relay().cluster().orElseThrow();
    Poll.until(WAIT, "node A to see the instance", () -> onA.findRemote("orders", instance)
        .isPresent());

    agent.close();

    Poll.until(WAIT, "node A to forget the instance", () -> onA.findRemote("orders", instance)
        .isEmpty());
  }

  @Test
  void aPeerTokenAloneOpensNothingTheHoldingNodeChecksTheTicketAgain() throws Exception {
    String instance = agentOn(B);
    String alice = cluster.node(B).userToken("alice", "orders");
    String ticket = createSession(B, alice, instance).path("webSocketDebuggerUrl").asText()
        .replaceAll(".*/devtools/", "");
    String peer = cluster.node(A).relay().cluster().orElseThrow().peerTokens().mint("relay-a");
    FakeShim link = FakeShim.open(cluster.node(B).relay().wsUri(Tunnel.PEER_PATH),
        Map.of("Authorization", "Bearer " + peer), Tunnel.PEER_SUBPROTOCOL);
    closeLater.add(link);

    link.send(new TunnelMessage.Attach(1, ticket.substring(0, ticket.length() - 4) + "AAAA", "",
        Tunnel.DEFAULT_WINDOW));
    assertThat(link.take(TunnelMessage.Refused.class, WAIT).status()).isEqualTo(401);
    link.send(new TunnelMessage.Attach(2, ticket, "", Tunnel.DEFAULT_WINDOW));
    assertThat(link.take(TunnelMessage.Opened.class, WAIT).stream()).isEqualTo(2);
    link.send(new TunnelMessage.Attach(3, ticket, "", Tunnel.DEFAULT_WINDOW));
    TunnelMessage.Refused again = link.take(TunnelMessage.Refused.class, WAIT);
    assertThat(again.status()).isEqualTo(401);
    assertThat(again.error()).isEqualTo("ticket_used");
  }

  @Test
  void thePeerEndpointWantsThePeerSubprotocol() throws Exception {
    String peer = cluster.node(A).relay().cluster().orElseThrow().peerTokens().mint("relay-a");

    assertThatThrownBy(() -> CdpClient.connect(
            cluster.node(B).relay().wsUri(Tunnel.PEER_PATH).toString(),
            Map.of("Authorization", "Bearer " + peer)))
        .isInstanceOfSatisfying(HandshakeRefused.class, refused -> {
          assertThat(refused.status).isEqualTo(400);
          assertThat(refused.body).contains("subprotocol_required");
        });
  }
}
