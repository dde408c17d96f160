package dev.tether.relay.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.protocol.CapturedFrame;
import dev.tether.protocol.Target;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.auth.SigningKeys;
import dev.tether.relay.cli.Cli;
import dev.tether.relay.http.Json;
import dev.tether.testkit.tunnel.FakeShim;
import dev.tether.testkit.Poll;
import dev.tether.relay.testing.TestRelay;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A relay alone keeps its snapshot points in its data directory: a restart on the same directory
 * still has the point and its hits and hands the point to an instance that registers after it,
 * and a file broken by hand, or unsigned as earlier versions wrote it, stops the start with what
 * to do, not a stack trace.
 */
@Timeout(60)
class SavedPointsTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path dir;

  static FakeShim snapshotAgent(URI relay, String token, String instance) throws Exception {
    FakeShim agent = FakeShim.connect(relay, token, new TunnelMessage.Hello("orders", instance,
        "node v22-fake", List.of(new Target(FakeShim.TARGET, "node", "orders", "file:///orders.js")),
        List.of(Snapshots.CAPABILITY), "test"));
    agent.take(TunnelMessage.Welcome.class, WAIT);
    return agent;
  }

  /** Waits for a set of points holding {@code id}; the sets before it may be empty. */
  static TunnelMessage.SnapshotPoints pointsWith(FakeShim agent, String id) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      TunnelMessage.SnapshotPoints points = agent.take(TunnelMessage.SnapshotPoints.class,
          Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (points.points().stream().anyMatch(p -> p.id().equals(id))) {
        return points;
      }
    }
  }

  static TunnelMessage.SnapshotHit hit(String point) {
    return new TunnelMessage.SnapshotHit(point, System.currentTimeMillis(), 1.5,
        List.of(new CapturedFrame("handler", "file:///orders.js", 12, 3)),
        Json.MAPPER.createArrayNode().add(Json.MAPPER.createObjectNode().put("frame", 0)
            .put("type", "local").set("variables", Json.MAPPER.createArrayNode()
                .add(Json.MAPPER.createObjectNode().put("name", "total").put("value", "24")))),
        null, false, 0);
  }

  @Test
  void aPointAndItsHitsSurviveARestartAndReachAnInstanceThatRegistersAfterIt() throws Exception {
    String id;
    try (TestRelay relay = TestRelay.start(dir)) {
      String alice = relay.userToken("alice", "orders");
      HttpResponse<String> created = relay.call("POST", "/api/functions/orders/snapshots", alice,
          "{\"url\":\"orders.js\",\"line\":12,\"maxHits\":5}");
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      id = Json.MAPPER.readTree(created.body()).path("id").asText();
      try (FakeShim agent = snapshotAgent(relay.agentUri(), relay.agentToken("orders"), "i-1")) {
        pointsWith(agent, id);
        agent.send(hit(id));
        Poll.until(WAIT, "the hit kept", () -> point(relay, alice, id).path("hitCount").asInt() == 1);
      }
    }

    try (TestRelay relay = TestRelay.start(dir)) {
      String alice = relay.userToken("alice", "orders");
      JsonNode point = point(relay, alice, id);
      assertThat(point.path("status").asText()).isEqualTo("active");
      assertThat(point.path("hitCount").asInt()).isEqualTo(1);
      assertThat(point.at("/hits/0/instance").asText()).isEqualTo("i-1");
      assertThat(point.at("/hits/0/scopes/0/variables/0/value").asText()).isEqualTo("24");
      try (FakeShim agent = snapshotAgent(relay.agentUri(), relay.agentToken("orders"), "i-2")) {
        assertThat(pointsWith(agent, id).points().get(0).maxHits()).as("hits still wanted").isEqualTo(4);
        agent.send(hit(id));
        Poll.until(WAIT, "a hit after the restart", () -> point(relay, alice, id).path("hitCount").asInt() == 2);
      }
    }
  }

  @Test
  void aDeletedPointStaysDeletedAfterARestart() throws Exception {
    String id;
    try (TestRelay relay = TestRelay.start(dir)) {
      String alice = relay.userToken("alice", "orders");
      id = Json.MAPPER.readTree(relay.call("POST", "/api/functions/orders/snapshots", alice,
          "{\"url\":\"orders.js\",\"line\":12}").body()).path("id").asText();
      assertThat(relay.call("DELETE", "/api/functions/orders/snapshots/" + id, alice, null)
          .statusCode()).isEqualTo(200);
    }
    try (TestRelay relay = TestRelay.start(dir)) {
      assertThat(relay.call("GET", "/api/functions/orders/snapshots/" + id,
          relay.userToken("alice", "orders"), null).statusCode()).isEqualTo(404);
    }
  }

  @Test
  void aPointsFileBrokenByHandStopsTheStartWithWhatToDo() throws Exception {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(LocalPoints.FILE), "{\"points\": [{\"id\": \"s-1\",");
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int status = Cli.run(new String[] {"relay", "--port", "0", "--data-dir", dir.toString()},
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));

    String said = err.toString(StandardCharsets.UTF_8);
    assertThat(status).isNotZero().isNotEqualTo(Cli.KEEP_RUNNING);
    assertThat(said).contains("snapshot points file").contains(LocalPoints.FILE)
        .contains("move it away").doesNotContain("\tat ").doesNotContain("Exception");
  }

  @Test
  void aSignedPointsFileWithAPointMissingAFieldIsRefusedTooAndNamesTheField() throws Exception {
    new PointsFile(dir.resolve(LocalPoints.FILE), SigningKeys.loadOrCreate(dir))
        .write("{\"points\": [{\"id\": \"s-1\"}]}".getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> TestRelay.start(dir))
        .hasMessageContaining("snapshot points file").hasMessageContaining("createdAt");
  }

  @Test
  void anUnsignedPointsFileAsAnEarlierVersionWroteItStopsTheStartWithWhatToDo() throws Exception {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(LocalPoints.FILE), "{\"version\":1,\"points\":[{\"id\":"
        + "\"s-1796000000000-0a1b2c3d\",\"function\":\"orders\",\"kind\":\"snapshot\",\"url\":"
        + "\"orders.js\",\"line\":12,\"maxHits\":10,\"status\":\"active\",\"hitCount\":0,"
        + "\"createdBy\":\"alice\",\"createdAt\":\"2026-11-30T00:00:00Z\",\"expiresAt\":"
        + "\"2026-12-01T00:00:00Z\",\"disabled\":[],\"maxStoredHits\":10,\"dropped\":0,"
        + "\"hits\":[]}]}");
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int status = Cli.run(new String[] {"relay", "--port", "0", "--data-dir", dir.toString()},
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));

    String said = err.toString(StandardCharsets.UTF_8);
    assertThat(status).isNotZero().isNotEqualTo(Cli.KEEP_RUNNING);
    assertThat(said).contains(dir.resolve(LocalPoints.FILE).toAbsolutePath().toString())
        .contains("is not signed").contains("move it away").contains("set them again")
        .doesNotContain("\tat ").doesNotContain("Exception");
  }

  private static JsonNode point(TestRelay relay, String token, String id) {
    try {
      HttpResponse<String> got = relay.call("GET", "/api/functions/orders/snapshots/" + id, token, null);
      assertThat(got.statusCode()).as(got.body()).isEqualTo(200);
      return Json.MAPPER.readTree(got.body());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
