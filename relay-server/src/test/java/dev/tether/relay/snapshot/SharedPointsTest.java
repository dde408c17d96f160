package dev.tether.relay.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.http.Json;
import dev.tether.testkit.tunnel.FakeShim;
import dev.tether.testkit.Poll;
import dev.tether.relay.testing.TestCluster;
import dev.tether.relay.testing.TestRelay;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Snapshot points in a cluster of three relays on one Redis of the test's own: a point set on
 * node A reaches an instance registered on node B, its hit shows on node C, and a point deleted on
 * C leaves B's instance.
 */
@Timeout(90)
class SharedPointsTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final int A = 0;
  private static final int B = 1;
  private static final int C = 2;

  @RegisterExtension
  static final TestCluster.PerClass cluster = TestCluster.perClass(3);

  @Test
  void aPointSetOnOneNodeGetsHitsFromAnInstanceOnAnotherAndEveryNodeShowsThem() throws Exception {
    TestRelay b = cluster.node(B);
    String alice = cluster.node(A).userToken("alice", "orders");
    try (FakeShim agent = SavedPointsTest.snapshotAgent(b.agentUri(), b.agentToken("orders"), "i-b")) {
      HttpResponse<String> created = cluster.node(A).call("POST", "/api/functions/orders/snapshots",
          alice, "{\"url\":\"orders.js\",\"line\":12,\"maxHits\":2}");
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      String id = Json.MAPPER.readTree(created.body()).path("id").asText();

      SavedPointsTest.pointsWith(agent, id);
      agent.send(SavedPointsTest.hit(id));

      JsonNode onC = Poll.until(WAIT, "node C to show the hit taken on node B", () -> {
        JsonNode point = point(C, alice, id);
        return point.path("hitCount").asInt() == 1 ? point : null;
      });
      assertThat(onC.at("/hits/0/instance").asText()).isEqualTo("i-b");
      assertThat(onC.path("createdBy").asText()).isEqualTo("alice");
      assertThat(point(A, alice, id).path("hits")).hasSize(1);

      agent.send(SavedPointsTest.hit(id));
      Poll.until(WAIT, "the point completed after its 2 hits on every node",
          () -> point(A, alice, id).path("status").asText().equals("completed"));
      Poll.until(WAIT, "node B's instance told the point is done", () -> agent
          .queued(TunnelMessage.SnapshotPoints.class).stream()
          .anyMatch(p -> p.points().isEmpty()));
    }
  }

  @Test
  void aPointDeletedOnOneNodeLeavesTheInstancesOfAnother() throws Exception {
    TestRelay b = cluster.node(B);
    String alice = cluster.node(A).userToken("alice", "orders");
    try (FakeShim agent = SavedPointsTest.snapshotAgent(b.agentUri(), b.agentToken("orders"), "i-b2")) {
      String id = Json.MAPPER.readTree(cluster.node(A).call("POST",
          "/api/functions/orders/snapshots", alice, "{\"url\":\"orders.js\",\"line\":20}").body())
          .path("id").asText();
      SavedPointsTest.pointsWith(agent, id);

      HttpResponse<String> deleted =
          cluster.node(C).call("DELETE", "/api/functions/orders/snapshots/" + id, alice, null);

      assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
      Poll.until(WAIT, "node B's instance to lose the point", () -> agent
          .queued(TunnelMessage.SnapshotPoints.class).stream()
          .anyMatch(p -> p.points().stream().noneMatch(x -> x.id().equals(id))));
      assertThat(cluster.node(B).call("GET", "/api/functions/orders/snapshots/" + id, alice, null)
          .statusCode()).isEqualTo(404);
    }
  }

  private static JsonNode point(int node, String token, String id) {
    try {
      HttpResponse<String> got = cluster.node(node).call("GET",
          "/api/functions/orders/snapshots/" + id, token, null);
      assertThat(got.statusCode()).as(got.body()).isEqualTo(200);
      return Json.MAPPER.readTree(got.body());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
