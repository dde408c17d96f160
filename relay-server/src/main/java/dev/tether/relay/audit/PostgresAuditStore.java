package dev.tether.relay.audit;

import dev.tether.relay.config.AuditConfig;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The shared store: PostgreSQL, for deployments that keep audit long or run several relays. Each
 * record is one row holding the same canonical line as the file store (so one verifier serves
 * both) plus indexed copies of the fields admins filter on. The schema is created on start; a
 * batch is one transaction that also moves the head row, so a commit is the fsync point.
 *
 * <p>Several relays (the nodes of a cluster) share the tables: each row carries its writer's
 * {@code node} id, and each node keeps a chain, seals and head of its own, keyed by
 * {@code (node, seq)}. A single relay is node {@code ''}. Two writers claiming one node id collide
 * on that key, so one of them fails its batch instead of interleaving two chains. {@link #verify}
 * walks every node's chain in one snapshot.
 *
 * <p>Each batch also stores its seal (the relay's signature over its last record) in
 * {@code tether_audit_seal} and as the head row. Triggers created with the schema refuse UPDATE,
 * DELETE and TRUNCATE on the trail and its seals, for every role: a table owner or superuser can
 * still drop them, which is what the seals are for.
 */
public final class PostgresAuditStore implements AuditStore {
  private static final String[] SCHEMA = {
      "CREATE TABLE IF NOT EXISTS tether_audit ("
          + " node TEXT NOT NULL DEFAULT '', seq BIGINT NOT NULL, time TIMESTAMPTZ NOT NULL,"
          + " code TEXT NOT NULL, type TEXT NOT NULL, actor TEXT, function TEXT, session TEXT,"
          + " record TEXT NOT NULL, CONSTRAINT tether_audit_node_seq PRIMARY KEY (node, seq))",
      "CREATE INDEX IF NOT EXISTS tether_audit_time ON tether_audit (time)",
      "CREATE INDEX IF NOT EXISTS tether_audit_session ON tether_audit (session)",
      "CREATE TABLE IF NOT EXISTS tether_audit_head ("
          + " node TEXT NOT NULL DEFAULT '', seq BIGINT NOT NULL, hash TEXT NOT NULL, seal TEXT,"
          + " CONSTRAINT tether_audit_head_node PRIMARY KEY (node))",
      "ALTER TABLE tether_audit_head ADD COLUMN IF NOT EXISTS seal TEXT",
      "CREATE TABLE IF NOT EXISTS tether_audit_seal (node TEXT NOT NULL DEFAULT '',"
          + " seq BIGINT NOT NULL, seal TEXT NOT NULL,"
          + " CONSTRAINT tether_audit_seal_node_seq PRIMARY KEY (node, seq))",
      // A trail from before clusters (one chain, keyed by seq alone) becomes the chain of node
      // '': adding a column with a constant default and swapping a key touch no row, so the
      // append-only triggers are not involved.
      perNode("tether_audit", "tether_audit_node_seq", "node, seq"),
      perNode("tether_audit_seal", "tether_audit_seal_node_seq", "node, seq"),
      "DO $$ BEGIN"
          + " IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema ="
          + "   current_schema() AND table_name = 'tether_audit_head' AND column_name = 'id') THEN"
          + "  ALTER TABLE tether_audit_head ADD COLUMN node TEXT NOT NULL DEFAULT '';"
          + "  ALTER TABLE tether_audit_head DROP COLUMN id CASCADE;"
          + "  ALTER TABLE tether_audit_head ADD CONSTRAINT tether_audit_head_node"
          + "   PRIMARY KEY (node);"
          + " END IF; END $$",
      "CREATE OR REPLACE FUNCTION tether_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$"
          + " BEGIN RAISE EXCEPTION 'the Tether audit trail is append-only: % on % refused',"
          + " TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege'; END $$",
      appendOnly("tether_audit"),
      appendOnly("tether_audit_seal")
  };

  /** Moves an older table, keyed by seq alone, to one chain per node (its rows: node ''). */
  private static String perNode(String table, String key, String columns) {
    return "DO $$ BEGIN"
        + " IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = '" + key + "'"
        + "   AND conrelid = '" + table + "'::regclass) THEN"
        + "  ALTER TABLE " + table + " ADD COLUMN IF NOT EXISTS node TEXT NOT NULL DEFAULT '';"
        + "  ALTER TABLE " + table + " DROP CONSTRAINT IF EXISTS " + table + "_pkey;"
        + "  ALTER TABLE " + table + " ADD CONSTRAINT " + key + " PRIMARY KEY (" + columns + ");"
        + " END IF; END $$";
  }

  /** Creates the triggers that refuse changes to {@code table}, unless they exist already. */
  private static String appendOnly(String table) {
    return "DO $$ BEGIN"
        + " IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '" + table + "_no_change'"
        + "   AND tgrelid = '" + table + "'::regclass) THEN"
        + "  CREATE TRIGGER " + table + "_no_change BEFORE UPDATE OR DELETE ON " + table
        + "   FOR EACH ROW EXECUTE FUNCTION tether_audit_refuse();"
        + "  CREATE TRIGGER " + table + "_no_truncate BEFORE TRUNCATE ON " + table
        + "   FOR EACH STATEMENT EXECUTE FUNCTION tether_audit_refuse();"
        + " END IF; END $$";
  }

  private final String url;
  private final String node;
  private Connection writer;

  /** The store of a single relay: the chain of node {@code ''}. */
  public PostgresAuditStore(String jdbcUrl) {
    this(jdbcUrl, "");
  }

  /** The store of cluster node {@code node}, writing its own chain into the shared tables. */
  public PostgresAuditStore(String jdbcUrl, String node) {
    this.url = jdbcUrl;
    this.node = node;
  }

  @Override
  public synchronized void open() throws IOException {
    try {
      if (writer == null || writer.isClosed() || !writer.isValid(2)) {
        closeWriter();
        writer = connect();
        try (Statement statement = writer.createStatement()) {
          for (String ddl : SCHEMA) {
            statement.execute(ddl);
          }
        }
        writer.setAutoCommit(false);
      }
    } catch (SQLException e) {
      closeWriter();
      throw failure("cannot open", e);
    }
  }

  @Override
  public Optional<AuditRecord> last() throws IOException {
    try (Connection c = connect();
        PreparedStatement s = c.prepareStatement(
            "SELECT record FROM tether_audit WHERE node = ? ORDER BY seq DESC LIMIT 1")) {
      s.setString(1, node);
      try (ResultSet rows = s.executeQuery()) {
        return rows.next() ? Optional.of(AuditRecord.parse(rows.getString(1))) : Optional.empty();
      }
    } catch (SQLException e) {
      throw failure("cannot read the last record from", e);
    }
  }

  @Override
  public synchronized void append(List<AuditRecord> records, AuditSeal seal)
      throws IOException {
    if (records.isEmpty()) {
      return;
    }
    open();
    try (PreparedStatement insert = writer.prepareStatement(
            "INSERT INTO tether_audit"
                + " (seq, time, code, type, actor, function, session, record, node)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        PreparedStatement sealed = writer.prepareStatement(
            "INSERT INTO tether_audit_seal (seq, seal, node) VALUES (?, ?, ?)");
        PreparedStatement head = writer.prepareStatement(
            "INSERT INTO tether_audit_head (seq, hash, seal, node) VALUES (?, ?, ?, ?)"
                + " ON CONFLICT (node) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash,"
                + " seal = EXCLUDED.seal")) {
      for (AuditRecord record : records) {
        insert.setLong(1, record.seq());
        insert.setTimestamp(2, Timestamp.from(Instant.parse(record.text("time"))));
        insert.setString(3, record.text("code"));
        insert.setString(4, record.text("type"));
        insert.setString(5, record.text("actor"));
        insert.setString(6, record.text("function"));
        insert.setString(7, record.text("session"));
        insert.setString(8, record.line());
        insert.setString(9, node);
        insert.addBatch();
      }
      insert.executeBatch();
      sealed.setLong(1, seal.seq());
      sealed.setString(2, seal.jws());
      sealed.setString(3, node);
      sealed.executeUpdate();
      head.setLong(1, seal.seq());
      head.setString(2, seal.hash());
      head.setString(3, seal.jws());
      head.setString(4, node);
      head.executeUpdate();
      writer.commit();
    } catch (SQLException e) {
      try {
        writer.rollback();
      } catch (SQLException ignored) {
        closeWriter(); // reconnect on the next attempt
      }
      throw failure("cannot append to", e);
    }
  }

  /**
   * Matching records of every node that writes these tables, newest first by time (then node,
   * then record number, so records written in the same instant keep a fixed order): an admin on
   * any node of a cluster reads the whole cluster's trail. The cursor is the last record's node
   * and number; the next page starts right after that record in the same order.
   */
  @Override
  public AuditQuery.Page query(AuditQuery query) throws IOException {
    StringBuilder sql = new StringBuilder("SELECT node, record FROM tether_audit WHERE TRUE");
    List<Object> args = new ArrayList<>();
    query.before().ifPresent(cursor -> {
      sql.append(" AND (time, node, seq) < (SELECT time, node, seq FROM tether_audit"
          + " WHERE node = ? AND seq = ?)");
      args.add(cursor.node());
      args.add(cursor.seq());
    });
    query.from().ifPresent(v -> where(sql, args, " AND time >= ?", Timestamp.from(v)));
    query.to().ifPresent(v -> where(sql, args, " AND time < ?", Timestamp.from(v)));
    query.user().ifPresent(v -> where(sql, args, " AND actor = ?", v));
    query.function().ifPresent(v -> where(sql, args, " AND function = ?", v));
    query.session().ifPresent(v -> where(sql, args, " AND session = ?", v));
    query.type().ifPresent(v -> {
      where(sql, args, " AND (type = ?", v);
      where(sql, args, " OR code = ?)", v);
    });
    sql.append(" ORDER BY time DESC, node DESC, seq DESC LIMIT ?");
    args.add(query.limit() + 1);
    try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql.toString())) {
      for (int i = 0; i < args.size(); i++) {
        s.setObject(i + 1, args.get(i));
      }
      List<AuditRecord> found = new ArrayList<>();
      List<String> nodes = new ArrayList<>();
      try (ResultSet rows = s.executeQuery()) {
        while (rows.next()) {
          nodes.add(rows.getString(1));
          found.add(AuditRecord.parse(rows.getString(2)));
        }
      }
      Optional<AuditQuery.Cursor> next = Optional.empty();
      if (found.size() > query.limit()) { // the extra row only says there is more
        found.remove(found.size() - 1);
        nodes.remove(nodes.size() - 1);
        next = Optional.of(new AuditQuery.Cursor(nodes.get(nodes.size() - 1),
            found.get(found.size() - 1).seq()));
      }
      return new AuditQuery.Page(List.copyOf(found), next, List.copyOf(nodes));
    } catch (SQLException e) {
      throw failure("cannot query", e);
    }
  }

  @Override
  public Optional<String> head() throws IOException {
    try (Connection c = connect();
        PreparedStatement s = c.prepareStatement(
            "SELECT seal FROM tether_audit_head WHERE node = ?")) {
      s.setString(1, node);
      try (ResultSet rows = s.executeQuery()) {
        return rows.next() ? Optional.ofNullable(rows.getString(1)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw failure("cannot read the head of", e);
    }
  }

  @Override
  public ChainVerifier.Report verify(SealVerifier keys) throws IOException {
    return ChainVerifier.combine(verifyChains(keys));
  }

  /**
   * Every node's chain, by node id ({@code ''} for a single relay), each walked from its first
   * record and held against its own seals and head, all in one snapshot.
   */
  @Override
  public Map<String, ChainVerifier.Report> verifyChains(SealVerifier keys) throws IOException {
    try (Connection c = connect()) {
      // one snapshot of records, seals and heads, however the writers move on meanwhile
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setAutoCommit(false); // also lets the driver stream rows instead of loading them all
      try {
        Map<String, ChainVerifier.Report> chains = new LinkedHashMap<>();
        for (String chain : nodes(c)) {
          chains.put(chain, verifyChain(c, chain, keys));
        }
        return chains;
      } finally {
        c.rollback();
      }
    } catch (SQLException e) {
      if ("42P01".equals(e.getSQLState()) || "42703".equals(e.getSQLState())) {
        throw new IOException("the audit tables at " + redacted(url) + " lack the seals ("
            + e.getMessage() + "): they were written by a Tether that did not sign its trail, or"
            + " never by a relay; start the relay once with this config so it signs the trail"
            + " (it records audit.unsigned), then verify again", e);
      }
      throw failure("cannot verify", e);
    }
  }

  /** Every node with a record, a seal or a head: a node whose records were all deleted counts. */
  private static List<String> nodes(Connection c) throws SQLException {
    List<String> nodes = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rows = s.executeQuery("SELECT node FROM tether_audit_head"
            + " UNION SELECT node FROM tether_audit_seal"
            + " UNION SELECT DISTINCT node FROM tether_audit ORDER BY 1")) {
      while (rows.next()) {
        nodes.add(rows.getString(1));
      }
    }
    if (nodes.isEmpty()) {
      nodes.add(""); // an empty trail: one empty chain
    }
    return nodes;
  }

  private static ChainVerifier.Report verifyChain(Connection c, String node, SealVerifier keys)
      throws SQLException {
    ChainVerifier verifier = new ChainVerifier(keys);
    String where = node.isEmpty() ? "" : "node=" + node + " ";
    try (PreparedStatement head = c.prepareStatement(
        "SELECT seal FROM tether_audit_head WHERE node = ?")) {
      head.setString(1, node);
      try (ResultSet row = head.executeQuery()) {
        verifier.head(node.isEmpty() ? "the head row" : "the head row of node " + node,
            row.next() ? Optional.ofNullable(row.getString(1)) : Optional.empty());
      }
    }
    try (PreparedStatement seals = c.prepareStatement(
        "SELECT seq, seal FROM tether_audit_seal WHERE node = ? ORDER BY seq")) {
      seals.setFetchSize(1000);
      seals.setString(1, node);
      try (ResultSet rows = seals.executeQuery()) {
        while (rows.next()) {
          verifier.seal("seal row " + where + "seq=" + rows.getLong(1), rows.getString(2));
        }
      }
    }
    try (PreparedStatement records = c.prepareStatement(
        "SELECT seq, record FROM tether_audit WHERE node = ? ORDER BY seq")) {
      records.setFetchSize(1000);
      records.setString(1, node);
      try (ResultSet rows = records.executeQuery()) {
        while (rows.next()) {
          if (!verifier.accept("row " + where + "seq=" + rows.getLong(1), rows.getString(2))) {
            break;
          }
        }
      }
    }
    return verifier.finish();
  }

  @Override
  public String describe() {
    return "PostgreSQL " + redacted(url) + (node.isEmpty() ? "" : " as node " + node);
  }

  @Override
  public synchronized void close() {
    closeWriter();
  }

  /** The URL without query parameters or user info, where passwords hide. */
  static String redacted(String url) {
    return AuditConfig.redactedJdbcUrl(url);
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(url);
  }

  private void closeWriter() {
    if (writer != null) {
      try {
        writer.close();
      } catch (SQLException ignored) {
        // already broken
      }
      writer = null;
    }
  }

  private IOException failure(String what, SQLException e) {
    return new IOException(what + " the audit table at " + redacted(url) + ": " + e.getMessage()
        + " (SQLState " + e.getSQLState() + ")", e);
  }

  private static void where(StringBuilder sql, List<Object> args, String clause, Object value) {
    sql.append(clause);
    args.add(value);
  }
}
