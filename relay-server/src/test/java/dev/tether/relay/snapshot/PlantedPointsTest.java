package dev.tether.relay.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.http.Json;
import dev.tether.relay.testing.TestRelay;
import dev.tether.testkit.Poll;
import dev.tether.testkit.tunnel.FakeShim;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Someone who can write a relay's data directory but cannot read its key edits
 * {@code snapshots.json} while the relay is stopped: a planted point, a widened point or forged
 * hits must never be applied or served. Each attack edits the file as its format allows (the
 * points themselves when plain, the signed payload when signed) and starts the relay again.
 */
@Timeout(60)
class PlantedPointsTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path dir;
  private String id;

  /** A relay that saved one honest point with one hit, then stopped. */
  @BeforeEach
  void aRelayThatSavedOnePointAndStopped() throws Exception {
    try (TestRelay relay = TestRelay.start(dir)) {
      String alice = relay.userToken("alice", "orders");
      HttpResponse<String> created = relay.call("POST", "/api/functions/orders/snapshots", alice,
          "{\"url\":\"orders.js\",\"line\":12,\"maxHits\":3}");
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      id = Json.MAPPER.readTree(created.body()).path("id").asText();
      try (FakeShim agent = SavedPointsTest.snapshotAgent(relay.agentUri(),
          relay.agentToken("orders"), "i-1")) {
        SavedPointsTest.pointsWith(agent, id);
        agent.send(SavedPointsTest.hit(id));
        Poll.until(WAIT, "the hit kept", () -> relay.call("GET",
            "/api/functions/orders/snapshots/" + id, alice, null).body().contains("\"hitCount\":1"));
      }
    }
  }

  @Test
  void aLogpointPlantedInTheFileWhileTheRelayWasStoppedIsNeverApplied() throws Exception {
    tamper(points -> {
      ObjectNode planted = ((ObjectNode) points.get(0)).deepCopy();
      planted.put("id", "s-0000000000000-planted").put("createdBy", "alice")
          .put("log", "secret={process.env.DB_PASSWORD}").put("maxHits", 1000)
          .put("hitCount", 0).putArray("hits");
      points.add(planted);
    });

    assertTheStartIsRefused("its signature");
  }

  @Test
  void aPointWidenedInTheFileWithAConditionAndMoreHitsIsNeverApplied() throws Exception {
    tamper(points -> ((ObjectNode) points.get(0)).put("condition", "globalThis.leak = event, false")
        .put("maxHits", 1000).put("expiresAt", Instant.now().plus(Duration.ofDays(365)).toString()));

    assertTheStartIsRefused("its signature");
  }

  @Test
  void hitsForgedInTheFileAreNeverServed() throws Exception {
    tamper(points -> {
      ArrayNode hits = (ArrayNode) points.get(0).path("hits");
      ObjectNode forged = hits.get(0).deepCopy();
      ((ObjectNode) forged.at("/scopes/0/variables/0")).put("value", "\"pay to IBAN XX00 FORGED\"");
      hits.add(forged);
    });

    assertTheStartIsRefused("its signature");
  }

  @Test
  void aPointsFileFromAnotherRelayWithAnotherKeyIsRefused(@TempDir Path other) throws Exception {
    try (TestRelay relay = TestRelay.start(other)) {
      relay.call("POST", "/api/functions/orders/snapshots", relay.userToken("mallory", "orders"),
          "{\"url\":\"orders.js\",\"line\":7,\"log\":\"{event}\"}");
    }
    Files.copy(other.resolve(LocalPoints.FILE), dir.resolve(LocalPoints.FILE),
        StandardCopyOption.REPLACE_EXISTING);

    assertTheStartIsRefused("another key");
  }

  @Test
  void everyPointRestoredAtStartIsAuditedWithoutItsCapturedValues() throws Exception {
    try (TestRelay relay = TestRelay.start(dir)) {
      assertThat(relay.relay().audit().flush(WAIT)).isTrue();
      HttpResponse<String> audit = relay.call("GET",
          "/api/admin/audit?type=snapshot.restored", relay.adminToken("root"), null);
      assertThat(audit.statusCode()).as(audit.body()).isEqualTo(200);
      JsonNode events = Json.MAPPER.readTree(audit.body()).path("events");
      assertThat(events).hasSize(1);
      JsonNode restored = events.get(0);
      assertThat(restored.path("code").asText()).isEqualTo("TSN005I");
      assertThat(restored.path("function").asText()).isEqualTo("orders");
      assertThat(restored.path("actor").asText()).isEqualTo("relay");
      assertThat(restored.at("/details/point").asText()).isEqualTo(id);
      assertThat(restored.at("/details/url").asText()).isEqualTo("orders.js");
      assertThat(restored.at("/details/line").asInt()).isEqualTo(12);
      assertThat(restored.at("/details/createdBy").asText()).isEqualTo("alice");
      assertThat(restored.at("/details/hitCount").asInt()).isEqualTo(1);
      assertThat(audit.body()).doesNotContain("\"24\"").doesNotContain("total");
    }
  }

  @Test
  void aRefusedFileIsInTheAuditTrailAndMovingItAwayStartsTheRelayWithoutItsPoints()
      throws Exception {
    tamper(points -> ((ObjectNode) points.get(0)).put("maxHits", 1000));
    assertTheStartIsRefused("its signature");

    Files.move(dir.resolve(LocalPoints.FILE), dir.resolve(LocalPoints.FILE + ".refused"));
    try (TestRelay relay = TestRelay.start(dir)) {
      assertThat(relay.call("GET", "/api/functions/orders/snapshots",
          relay.userToken("alice", "orders"), null).body()).isEqualTo("[]");
      assertThat(relay.relay().audit().flush(WAIT)).isTrue();
      JsonNode events = Json.MAPPER.readTree(relay.call("GET",
          "/api/admin/audit?type=snapshot.file.refused", relay.adminToken("root"), null).body())
          .path("events");
      assertThat(events).hasSize(1);
      assertThat(events.get(0).path("code").asText()).isEqualTo("TSN006E");
      assertThat(events.get(0).at("/details/problem").asText()).isEqualTo("altered");
      assertThat(events.get(0).at("/details/file").asText())
          .isEqualTo(dir.resolve(LocalPoints.FILE).toAbsolutePath().toString());
    }
  }

  /**
   * Changes the saved points as an attacker without the key can: in place when the file is plain
   * JSON, inside the signed payload (keeping the old signature) when it is signed.
   */
  private void tamper(Consumer<ArrayNode> change) throws IOException {
    Path file = dir.resolve(LocalPoints.FILE);
    ObjectNode root = (ObjectNode) Json.MAPPER.readTree(Files.readAllBytes(file));
    if (root.has("payload")) {
      ObjectNode document = (ObjectNode) Json.MAPPER.readTree(
          Base64.getUrlDecoder().decode(root.path("payload").asText()));
      change.accept((ArrayNode) document.path("points"));
      root.put("payload", Base64.getUrlEncoder().withoutPadding()
          .encodeToString(Json.MAPPER.writeValueAsBytes(document)));
    } else {
      change.accept((ArrayNode) root.path("points"));
    }
    Files.write(file, Json.MAPPER.writeValueAsBytes(root));
  }

  /** The relay must not start on the file; when it does, the failure says what it serves. */
  private void assertTheStartIsRefused(String why) {
    Throwable thrown = catchThrowable(() -> {
      try (TestRelay relay = TestRelay.start(dir)) {
        String alice = relay.userToken("alice", "orders");
        String served = relay.call("GET", "/api/functions/orders/snapshots", alice, null).body();
        try (FakeShim agent = SavedPointsTest.snapshotAgent(relay.agentUri(),
            relay.agentToken("orders"), "i-2")) {
          TunnelMessage.SnapshotPoints pushed = agent.take(TunnelMessage.SnapshotPoints.class, WAIT);
          fail("the relay started on a tampered points file; it pushed " + pushed.points()
              + " to a new instance and serves " + served);
        }
      }
    });
    assertThat(thrown).isInstanceOf(IOException.class)
        .hasMessageContaining(dir.resolve(LocalPoints.FILE).toAbsolutePath().toString())
        .hasMessageContaining(why).hasMessageContaining("move it away");
  }
}
