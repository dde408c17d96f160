package dev.tether.relay.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tether.relay.config.AuditConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL store against the same contract, on the real server at 127.0.0.1:5432 (database
 * {@code test}); each test gets its own schema. Skipped when no server answers, except on CI
 * ({@code CI=true}), where a missing database is a failure.
 */
class PostgresAuditStoreTest extends AuditStoreContract {
  static final String SERVER = System.getProperty("tether.test.postgres",
      "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
  private final String schema = "tether_audit_test_" + UUID.randomUUID().toString().replace("-", "");

  @BeforeAll
  static void requireServer() {
    try (Connection c = DriverManager.getConnection(SERVER + "&connectTimeout=3")) {
      c.isValid(3);
    } catch (SQLException e) {
      String why = "PostgreSQL at " + PostgresAuditStore.redacted(SERVER) + " is not reachable ("
          + e.getMessage() + "); start it (database 'test', user postgres) to run these tests";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail(why);
      }
      assumeTrue(false, why);
    }
  }

  static String urlFor(String schema) {
    return SERVER + "&currentSchema=" + schema;
  }

  @Override
  protected AuditStore newStore() throws SQLException {
    sql("CREATE SCHEMA " + schema);
    return new PostgresAuditStore(urlFor(schema));
  }

  @Override
  protected AuditStore sameStorage() {
    return new PostgresAuditStore(urlFor(schema));
  }

  @AfterEach
  void dropSchema() throws SQLException {
    sql("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  }

  @Override
  protected void rewrite(long seq, UnaryOperator<String> edit) throws Exception {
    try (Connection c = attacker();
        PreparedStatement read = c.prepareStatement("SELECT record FROM tether_audit WHERE seq = ?");
        PreparedStatement write =
            c.prepareStatement("UPDATE tether_audit SET record = ? WHERE seq = ?")) {
      read.setLong(1, seq);
      String line;
      try (var rows = read.executeQuery()) {
        rows.next();
        line = rows.getString(1);
      }
      write.setString(1, edit.apply(line));
      write.setLong(2, seq);
      write.executeUpdate();
    }
  }

  @Override
  protected void delete(long seq) throws Exception {
    sqlInSchema("DELETE FROM tether_audit WHERE seq = " + seq);
  }

  @Override
  protected void swap(long a, long b) throws Exception {
    sqlInSchema("UPDATE tether_audit t SET record = o.record FROM tether_audit o"
        + " WHERE (t.seq, o.seq) IN ((" + a + ", " + b + "), (" + b + ", " + a + "))");
  }

  @Override
  protected void insertAfter(long seq, String line) throws Exception {
    sqlInSchema("UPDATE tether_audit SET seq = -(seq + 1) WHERE seq > " + seq);
    sqlInSchema("UPDATE tether_audit SET seq = -seq WHERE seq < 0");
    try (Connection c = attacker();
        PreparedStatement insert = c.prepareStatement("INSERT INTO tether_audit"
            + " (seq, time, code, type, record) VALUES (?, now(), 'x', 'x', ?)")) {
      insert.setLong(1, seq + 1);
      insert.setString(2, line);
      insert.executeUpdate();
    }
  }

  @Override
  protected void truncateAfter(long seq) throws Exception {
    sqlInSchema("DELETE FROM tether_audit WHERE seq > " + seq);
  }

  @Override
  protected void replaceTrail(List<String> lines) throws Exception {
    sqlInSchema("DELETE FROM tether_audit");
    try (Connection c = attacker();
        PreparedStatement insert = c.prepareStatement("INSERT INTO tether_audit"
            + " (seq, time, code, type, actor, function, session, record)"
            + " VALUES (?, now(), 'x', 'x', ?, ?, ?, ?)")) {
      for (String line : lines) {
        AuditRecord record = AuditRecord.parse(line);
        insert.setLong(1, record.seq());
        insert.setString(2, record.text("actor"));
        insert.setString(3, record.text("function"));
        insert.setString(4, record.text("session"));
        insert.setString(5, line);
        insert.executeUpdate();
      }
    }
  }

  @Override
  protected void forgeHead(long seq, String hash) throws Exception {
    sqlInSchema("UPDATE tether_audit_head SET seq = " + seq + ", hash = '" + hash + "'");
  }

  @Override
  protected void replaceSeals(List<AuditSeal> seals, AuditSeal head) throws Exception {
    sqlInSchema("DELETE FROM tether_audit_seal");
    try (Connection c = attacker();
        PreparedStatement insert =
            c.prepareStatement("INSERT INTO tether_audit_seal (seq, seal) VALUES (?, ?)");
        PreparedStatement update =
            c.prepareStatement("UPDATE tether_audit_head SET seq = ?, hash = ?, seal = ?")) {
      for (AuditSeal seal : seals) {
        insert.setLong(1, seal.seq());
        insert.setString(2, seal.jws());
        insert.executeUpdate();
      }
      update.setLong(1, head == null ? written.size() : head.seq());
      update.setString(2, head == null ? "x" : head.hash());
      update.setString(3, head == null ? null : head.jws());
      update.executeUpdate();
    }
  }

  @Test
  void theTableRefusesUpdateDeleteAndTruncateEvenFromItsOwner() throws Exception {
    append(4);

    try (Connection c = DriverManager.getConnection(urlFor(schema));
        Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.executeUpdate(
          "UPDATE tether_audit SET record = replace(record, 'u0', 'mallory') WHERE seq = 2"))
          .isInstanceOf(SQLException.class).hasMessageContaining("append-only")
          .hasMessageContaining("UPDATE on tether_audit refused");
      assertThatThrownBy(() -> s.executeUpdate("DELETE FROM tether_audit WHERE seq = 3"))
          .isInstanceOf(SQLException.class).hasMessageContaining("DELETE on tether_audit refused");
      assertThatThrownBy(() -> s.execute("TRUNCATE tether_audit"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("TRUNCATE on tether_audit refused");
      assertThatThrownBy(() -> s.executeUpdate("DELETE FROM tether_audit_seal"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("DELETE on tether_audit_seal refused");
      assertThatThrownBy(() -> s.executeUpdate("UPDATE tether_audit_seal SET seal = 'x'"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("UPDATE on tether_audit_seal refused");
    }

    ChainVerifier.Report report = store.verify(keys.verifier());
    assertThat(report.problem()).isEmpty();
    assertThat(report.records()).isEqualTo(4);
    assertThat(store.query(AuditQuery.latest(10).withUser("mallory")).records()).isEmpty();
  }

  @Test
  void reopeningAnExistingSchemaKeepsOneSetOfTriggers() throws Exception {
    append(2);
    store.close();
    store = sameStorage();
    store.open();
    append(2);

    try (Connection c = DriverManager.getConnection(urlFor(schema));
        Statement s = c.createStatement();
        var rows = s.executeQuery("SELECT count(*) FROM pg_trigger"
            + " WHERE tgrelid = 'tether_audit'::regclass AND NOT tgisinternal")) {
      rows.next();
      assertThat(rows.getInt(1)).isEqualTo(2);
    }
    assertThat(store.verify(keys.verifier()).records()).isEqualTo(4);
  }

  @Test
  void aTrailFromBeforeSealsIsRefusedByVerifyThenSignedOnTheRelaysFirstStartWithANote()
      throws Exception {
    String legacy = schema + "_legacy";
    sql("CREATE SCHEMA " + legacy);
    try {
      AuditRecord first = AuditRecord.seal(1, AuditRecord.GENESIS, event(0));
      try (Connection c = DriverManager.getConnection(urlFor(legacy));
          Statement s = c.createStatement()) {
        s.execute("CREATE TABLE tether_audit (seq BIGINT PRIMARY KEY, time TIMESTAMPTZ NOT NULL,"
            + " code TEXT NOT NULL, type TEXT NOT NULL, actor TEXT, function TEXT, session TEXT,"
            + " record TEXT NOT NULL)");
        s.execute("CREATE TABLE tether_audit_head (id INT PRIMARY KEY CHECK (id = 1),"
            + " seq BIGINT NOT NULL, hash TEXT NOT NULL)");
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO tether_audit"
            + " (seq, time, code, type, record) VALUES (1, now(), 'TCD001I', 'cdp.command', ?)")) {
          insert.setString(1, first.line());
          insert.executeUpdate();
        }
        s.execute("INSERT INTO tether_audit_head VALUES (1, 1, '" + first.hash() + "')");
      }
      PostgresAuditStore old = new PostgresAuditStore(urlFor(legacy));

      assertThatThrownBy(() -> old.verify(keys.verifier()))
          .hasMessageContaining("did not sign its trail").hasMessageContaining("start the relay");

      AuditLog log = AuditLog.start(old, AuditConfig.defaults(), keys.signer(), keys.verifier(),
          java.time.Clock.systemUTC());
      log.close();
      PostgresAuditStore upgraded = new PostgresAuditStore(urlFor(legacy));
      ChainVerifier.Report report = upgraded.verify(keys.verifier());
      assertThat(report.problem()).isEmpty();
      assertThat(report.records()).isEqualTo(3); // the old record, audit.unsigned, audit.started
      assertThat(upgraded.query(AuditQuery.latest(5).withType("audit.unsigned")).records())
          .singleElement().satisfies(note -> assertThat(note.details().get("problem").toString())
              .contains("no signed head"));
    } finally {
      sql("DROP SCHEMA IF EXISTS " + legacy + " CASCADE");
    }
  }

  @Test
  void aSignedTrailFromBeforeClustersBecomesTheSingleRelaysChainAndStaysAppendOnly()
      throws Exception {
    String old = schema + "_old";
    sql("CREATE SCHEMA " + old);
    try {
      AuditRecord first = AuditRecord.seal(1, AuditRecord.GENESIS, event(0));
      AuditSeal seal = keys.sealLast(List.of(first));
      try (Connection c = DriverManager.getConnection(urlFor(old));
          Statement s = c.createStatement()) {
        // the schema as the relay created it before clusters: one chain, keyed by seq
        s.execute("CREATE TABLE tether_audit (seq BIGINT PRIMARY KEY, time TIMESTAMPTZ NOT NULL,"
            + " code TEXT NOT NULL, type TEXT NOT NULL, actor TEXT, function TEXT, session TEXT,"
            + " record TEXT NOT NULL)");
        s.execute("CREATE TABLE tether_audit_head (id INT PRIMARY KEY CHECK (id = 1),"
            + " seq BIGINT NOT NULL, hash TEXT NOT NULL, seal TEXT)");
        s.execute("CREATE TABLE tether_audit_seal (seq BIGINT PRIMARY KEY, seal TEXT NOT NULL)");
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO tether_audit"
            + " (seq, time, code, type, record) VALUES (1, now(), 'TSE002I', 'x', ?)")) {
          insert.setString(1, first.line());
          insert.executeUpdate();
        }
        s.execute("INSERT INTO tether_audit_seal VALUES (1, '" + seal.jws() + "')");
        s.execute("INSERT INTO tether_audit_head VALUES (1, 1, '" + first.hash() + "', '"
            + seal.jws() + "')");
      }
      PostgresAuditStore upgraded = new PostgresAuditStore(urlFor(old));
      upgraded.open();
      AuditRecord second = AuditRecord.seal(2, first.hash(), event(1));
      upgraded.append(List.of(second), keys.sealLast(List.of(second)));

      ChainVerifier.Report report = upgraded.verify(keys.verifier());
      assertThat(report.problem()).isEmpty();
      assertThat(report.records()).isEqualTo(2);
      assertThat(upgraded.verifyChains(keys.verifier())).containsOnlyKeys("");
      try (Connection c = DriverManager.getConnection(urlFor(old));
          Statement s = c.createStatement()) {
        assertThatThrownBy(() -> s.executeUpdate("DELETE FROM tether_audit WHERE seq = 1"))
            .hasMessageContaining("DELETE on tether_audit refused");
      }
      upgraded.close();
    } finally {
      sql("DROP SCHEMA IF EXISTS " + old + " CASCADE");
    }
  }

  /**
   * A connection of someone who owns the database: triggers do not fire for it, as for an
   * attacker who dropped or disabled them.
   */
  private Connection attacker() throws SQLException {
    Connection c = DriverManager.getConnection(urlFor(schema));
    try (Statement s = c.createStatement()) {
      s.execute("SET session_replication_role = replica");
    }
    return c;
  }

  private void sqlInSchema(String sql) throws SQLException {
    try (Connection c = attacker();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static void sql(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(SERVER); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
