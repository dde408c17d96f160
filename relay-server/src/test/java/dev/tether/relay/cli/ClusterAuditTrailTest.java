package dev.tether.relay.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tether.relay.audit.AuditCode;
import dev.tether.relay.audit.AuditEvent;
import dev.tether.relay.audit.AuditLog;
import dev.tether.relay.audit.AuditQuery;
import dev.tether.relay.audit.PostgresAuditStore;
import dev.tether.relay.audit.SealSigner;
import dev.tether.relay.audit.SealVerifier;
import dev.tether.relay.auth.SigningKeys;
import dev.tether.relay.config.AuditConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One PostgreSQL audit trail for a cluster: three nodes (three audit logs with the cluster's
 * shared key) write one table at once, each its own chain, and {@code tether audit verify
 * --config} checks every node's chain and names the first bad record with its node. Runs on the
 * server at 127.0.0.1:5432 (database {@code test}), in a schema of its own; skipped when none
 * answers, except on CI.
 */
@Timeout(60)
class ClusterAuditTrailTest {
  private static final String SERVER = System.getProperty("tether.test.postgres",
      "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
  private static final List<String> NODES = List.of("relay-a", "relay-b", "relay-c");

  @TempDir Path dataDir;
  private final String schema = "tether_cluster_audit_" + UUID.randomUUID().toString().replace("-", "");
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private Path config;

  @BeforeAll
  static void requireServer() {
    try (Connection c = DriverManager.getConnection(SERVER + "&connectTimeout=3")) {
      c.isValid(3);
    } catch (SQLException e) {
      String why = "PostgreSQL at 127.0.0.1:5432 is not reachable (" + e.getMessage()
          + "); start it (database 'test', user postgres) to run these tests";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail(why);
      }
      assumeTrue(false, why);
    }
  }

  @BeforeEach
  void createSchema() throws Exception {
    sql(SERVER, "CREATE SCHEMA " + schema);
    config = dataDir.resolve("relay.json");
    Files.writeString(config, "{\"audit\": {\"store\": \"postgresql\", \"jdbcUrl\": \""
        + url() + "\"}}");
  }

  @AfterEach
  void dropSchema() throws SQLException {
    sql(SERVER, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  }

  /** Three nodes write {@code perNode} events each, all at once, then stop (draining). */
  private void threeNodesWrite(int perNode) throws Exception {
    SigningKeys keys = SigningKeys.loadOrCreate(dataDir); // the key every node shares
    List<AuditLog> logs = new ArrayList<>();
    for (String node : NODES) {
      logs.add(AuditLog.start(new PostgresAuditStore(url(), node), AuditConfig.defaults(),
          new SealSigner(keys.signer(), keys.keyId(), Clock.systemUTC()),
          SealVerifier.fromJwkSet(keys.publicJwkSetJson()), Clock.systemUTC()));
    }
    List<Thread> writers = new ArrayList<>();
    for (int n = 0; n < NODES.size(); n++) {
      AuditLog log = logs.get(n);
      String node = NODES.get(n);
      Thread writer = new Thread(() -> {
        for (int i = 0; i < perNode; i++) {
          log.record(AuditEvent.of(AuditCode.SESSION_ATTACHED).actor(node + "-user" + i).build());
        }
      });
      writer.start();
      writers.add(writer);
    }
    for (Thread writer : writers) {
      writer.join();
    }
    for (AuditLog log : logs) {
      assertThat(log.flush(Duration.ofSeconds(20))).isTrue();
      log.close();
    }
  }

  @Test
  void threeNodesWritingOneTableAtOnceVerifyAsThreeIntactChains() throws Exception {
    threeNodesWrite(300);

    assertThat(verify()).as(err()).isZero();

    assertThat(out()).contains("node relay-a: audit trail intact: 301 records, last 301",
        "node relay-b: audit trail intact: 301 records",
        "node relay-c: audit trail intact: 301 records",
        "audit trail intact: 3 node chains checked (relay-a, relay-b, relay-c;");
  }

  @Test
  void anEditedRecordOnOneNodesChainIsNamedWithItsNode() throws Exception {
    threeNodesWrite(20);
    asOwnerWithoutTriggers("UPDATE tether_audit SET record = replace(record,"
        + " 'relay-b-user4', 'mallory') WHERE node = 'relay-b' AND seq = 6");

    assertThat(verify()).isEqualTo(1);

    assertThat(out()).contains("node relay-a: audit trail intact", "node relay-c: audit trail"
        + " intact");
    assertThat(err()).contains("node relay-b: audit trail BROKEN: record 6 at row node=relay-b"
        + " seq=6 was edited", "audit trail BROKEN: 3 node chains checked");
  }

  @Test
  void theDatabaseRefusesUpdateAndDeleteOnAnyNodesRecords() throws Exception {
    threeNodesWrite(5);

    try (Connection c = DriverManager.getConnection(url()); Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.executeUpdate("UPDATE tether_audit SET record = 'x'"
          + " WHERE node = 'relay-c' AND seq = 2"))
          .isInstanceOf(SQLException.class).hasMessageContaining("UPDATE on tether_audit refused");
      assertThatThrownBy(() -> s.executeUpdate("UPDATE tether_audit SET node = 'relay-a'"
          + " WHERE node = 'relay-b'"))
          .isInstanceOf(SQLException.class).hasMessageContaining("UPDATE on tether_audit refused");
      assertThatThrownBy(() -> s.executeUpdate("DELETE FROM tether_audit WHERE node = 'relay-a'"))
          .isInstanceOf(SQLException.class).hasMessageContaining("DELETE on tether_audit refused");
      assertThatThrownBy(() -> s.executeUpdate("DELETE FROM tether_audit_seal"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("DELETE on tether_audit_seal refused");
    }
    assertThat(verify()).as(err()).isZero();
  }

  @Test
  void anyNodesQueryAnswersWithEveryNodesRecordsNamingTheNodeThatWroteEach() throws Exception {
    threeNodesWrite(4);

    try (PostgresAuditStore b = new PostgresAuditStore(url(), "relay-b")) {
      AuditQuery.Page page = b.query(AuditQuery.latest(100));

      assertThat(page.records()).hasSize(15); // audit.started + 4 events, on each of three nodes
      assertThat(page.nodes()).containsOnly("relay-a", "relay-b", "relay-c");
      for (int i = 0; i < page.records().size(); i++) {
        String actor = page.records().get(i).text("actor");
        assertThat(actor.equals("relay") || actor.startsWith(page.nodes().get(i) + "-user"))
            .as("record %s of node %s", actor, page.nodes().get(i)).isTrue();
      }
      assertThat(page.records()).extracting(r -> r.text("time"))
          .isSortedAccordingTo(Comparator.reverseOrder());
      assertThat(b.query(AuditQuery.latest(100).withUser("relay-c-user2")).nodes())
          .containsExactly("relay-c");
    }
  }

  @Test
  void pagesOfTheWholeClustersTrailFollowTheCursorAcrossNodesWithoutGapsOrRepeats()
      throws Exception {
    threeNodesWrite(6);

    try (PostgresAuditStore a = new PostgresAuditStore(url(), "relay-a")) {
      List<String> seen = new ArrayList<>();
      AuditQuery query = AuditQuery.latest(4);
      int pages = 0;
      while (true) {
        AuditQuery.Page page = a.query(query);
        pages++;
        for (int i = 0; i < page.records().size(); i++) {
          seen.add(page.nodes().get(i) + ":" + page.records().get(i).seq());
        }
        if (page.next().isEmpty()) {
          break;
        }
        String cursor = page.next().get().toString(); // as the API hands it out and takes it back
        query = AuditQuery.latest(4).before(AuditQuery.Cursor.parse(cursor));
      }

      assertThat(pages).isEqualTo(6); // 21 records, 4 a page
      assertThat(seen).doesNotHaveDuplicates().hasSize(21);
      assertThat(seen).containsAll(List.of("relay-a:1", "relay-b:7", "relay-c:4"));
    }
  }

  private int verify() {
    return Cli.run(new String[] {"audit", "verify", "--config", config.toString(), "--data-dir",
        dataDir.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private String url() {
    return SERVER + "&currentSchema=" + schema;
  }

  /** As the table's owner who also switched the triggers off: what the seals are for. */
  private void asOwnerWithoutTriggers(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url()); Statement s = c.createStatement()) {
      s.execute("SET session_replication_role = replica");
      s.execute(sql);
    }
  }

  private static void sql(String url, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
