package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.testkit.Poll;
import dev.tether.testkit.cdp.CdpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Snapshot points across a cluster with real shims and real node: two relay processes on one
 * Redis, an instance of examples/orders on each. A point set through node A's API is hit by both
 * instances while every request is answered, node B shows both instances' hits with the right
 * locals (the password masked), an instance started on B later reports hits too, a DELETE on B
 * takes the point off every instance, and the nodes' audit trails hold set, hit and removed.
 */
@Timeout(240)
class ClusterSnapshotPointsTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int A = 0;
  private static final int B = 1;
  private static final String EVENT =
      "{\"customer\":\"ada\",\"password\":\"hunter2\",\"items\":[{\"sku\":\"a\",\"unitPrice\":10,"
          + "\"quantity\":2}]}";

  private ClusterProcesses cluster;
  private String alice;

  @BeforeEach
  void start() throws Exception {
    cluster = ClusterProcesses.start(2);
    alice = cluster.userToken("alice");
  }

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aPointSetOnNodeAIsHitByInstancesOnBothNodesShownOnBAndDeletedOnBEverywhere()
      throws Exception {
    ClusterProcesses.Function onA = cluster.startFunction(A, "orders");
    ClusterProcesses.Function onB = cluster.startFunction(B, "orders");
    int line = TetherStack.lineOf("examples/orders/handler.js", "return { statusCode") + 1;

    HttpResponse<String> created = cluster.api(A, "POST", "/api/functions/orders/snapshots",
        alice, "{\"url\":\"handler.js\",\"line\":" + line + ",\"maxHits\":100}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String id = CdpClient.JSON.readTree(created.body()).path("id").asText();

    hitsFrom(id, onA, onB);
    JsonNode point = point(B, id);
    for (ClusterProcesses.Function instance : List.of(onA, onB)) {
      JsonNode hit = hitOf(point, instance.instanceId());
      assertThat(hit.at("/stack/0/function").asText()).isEqualTo("handler");
      assertThat(hit.at("/stack/0/line").asInt()).isEqualTo(line);
      JsonNode scopes = hit.path("scopes");
      assertThat(local(scopes, "total").path("value").asText())
          .isEqualTo("24");
      assertThat(local(scopes, "subtotal").path("value").asText())
          .isEqualTo("20");
      JsonNode event = local(scopes, "event");
      assertThat(variable(event.path("children"), "customer").path("value").asText())
          .isEqualTo("ada");
      assertThat(variable(event.path("children"), "password").path("value").asText())
          .isEqualTo("[redacted]");
    }

    ClusterProcesses.Function later = cluster.startFunction(B, "orders");
    hitsFrom(id, later);

    HttpResponse<String> deleted =
        cluster.api(B, "DELETE", "/api/functions/orders/snapshots/" + id, alice, null);
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
    for (ClusterProcesses.Function instance : List.of(onA, onB, later)) {
      Poll.until(WAIT, "instance " + instance.instanceId() + " to drop the point and its"
          + " inspector session", () -> instance.shim().snapshotPoints().points() == 0
          && !instance.shim().snapshotPoints().sessionOpen());
      answered(instance); // no breakpoint left anywhere: nothing can pause or capture
    }
    for (int node : List.of(A, B)) {
      assertThat(cluster.api(node, "GET", "/api/functions/orders/snapshots/" + id, alice, null)
          .statusCode()).isEqualTo(404);
    }

    // Each node audits what happened on it: set on A, hits where each tunnel is, removed on B.
    List<String> onNodeA = awaitCodes(A, id, "TSN001I", "TSN002I");
    List<String> onNodeB = awaitCodes(B, id, "TSN002I", "TSN003I");
    assertThat(onNodeA).doesNotContain("TSN003I");
    assertThat(onNodeB).doesNotContain("TSN001I");
    assertThat(auditOf(A) + auditOf(B)).doesNotContain("hunter2").doesNotContain("\"ada\"");
  }

  /** Invokes the instances until the point shows a hit from each, on node B; each answers. */
  private void hitsFrom(String id, ClusterProcesses.Function... instances) {
    Set<String> wanted = new HashSet<>();
    for (ClusterProcesses.Function instance : instances) {
      wanted.add(instance.instanceId());
    }
    Poll.until(WAIT, "hits on node B from " + wanted, () -> {
      for (ClusterProcesses.Function instance : instances) {
        answered(instance);
      }
      Set<String> seen = new HashSet<>();
      point(B, id).path("hits").forEach(hit -> seen.add(hit.path("instance").asText()));
      return seen.containsAll(wanted);
    });
  }

  /** One request, answered in full: a snapshot point never holds a request. */
  private static void answered(ClusterProcesses.Function instance) throws Exception {
    HttpResponse<String> answer = instance.invoke(EVENT).get();
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(answer.body()).contains("\"total\":24");
  }

  private JsonNode point(int node, String id) throws Exception {
    HttpResponse<String> got =
        cluster.api(node, "GET", "/api/functions/orders/snapshots/" + id, alice, null);
    assertThat(got.statusCode()).as(got.body()).isEqualTo(200);
    assertThat(got.body()).doesNotContain("hunter2");
    return CdpClient.JSON.readTree(got.body());
  }

  private static JsonNode hitOf(JsonNode point, String instance) {
    for (JsonNode hit : point.path("hits")) {
      if (hit.path("instance").asText().equals(instance)) {
        return hit;
      }
    }
    throw new AssertionError("no hit from " + instance + " in " + point);
  }

  /** A captured variable of any of the top frame's scopes. */
  private static JsonNode local(JsonNode scopes, String name) {
    for (JsonNode scope : scopes) {
      for (JsonNode variable : scope.path("variables")) {
        if (variable.path("name").asText().equals(name)) {
          return variable;
        }
      }
    }
    throw new AssertionError("no variable " + name + " in " + scopes);
  }

  private static JsonNode variable(JsonNode variables, String name) {
    for (JsonNode variable : variables) {
      if (variable.path("name").asText().equals(name)) {
        return variable;
      }
    }
    throw new AssertionError("no variable " + name + " in " + variables);
  }

  /** The codes of node {@code node}'s audit events about point {@code id}, once all of {@code want} are in. */
  private List<String> awaitCodes(int node, String id, String... want) {
    return Poll.until(WAIT, "node " + node + "'s trail to show " + List.of(want) + " for " + id,
        () -> {
          List<String> codes = new ArrayList<>();
          CdpClient.JSON.readTree(auditOf(node)).path("events").forEach(e -> {
            if (e.path("details").path("point").asText().equals(id)) {
              codes.add(e.path("code").asText());
            }
          });
          return codes.containsAll(List.of(want)) ? codes : null;
        });
  }

  private String auditOf(int node) throws Exception {
    HttpResponse<String> audit = cluster.api(node, "GET", "/api/admin/audit?function=orders",
        cluster.adminToken("root"), null);
    assertThat(audit.statusCode()).as(audit.body()).isEqualTo(200);
    return audit.body();
  }
}
