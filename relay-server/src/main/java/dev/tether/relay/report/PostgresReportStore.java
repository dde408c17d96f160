package dev.tether.relay.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;

/**
 * Crash reports in PostgreSQL (table {@code tether_crash_reports}), for relays whose audit trail
 * is there too: every node of a cluster then serves every node's reports.
 */
public final class PostgresReportStore implements ReportStore {
  private static final String SCHEMA =
      "CREATE TABLE IF NOT EXISTS tether_crash_reports ("
          + " id TEXT NOT NULL, function TEXT NOT NULL, received_at TIMESTAMPTZ NOT NULL,"
          + " body TEXT NOT NULL, PRIMARY KEY (function, id))";

  private final String url;
  /** The table is created on first use: a database that is down must not stop the relay. */
  private volatile boolean tableReady;

  public PostgresReportStore(String jdbcUrl) {
    this.url = jdbcUrl;
  }

  @Override
  public void add(CrashReport report) {
    try (Connection c = connect()) {
      try (PreparedStatement s = c.prepareStatement(
          "INSERT INTO tether_crash_reports (id, function, received_at, body) VALUES (?, ?, ?, ?)")) {
        s.setString(1, report.id());
        s.setString(2, report.function());
        s.setObject(3, Timestamp.from(report.receivedAt()));
        s.setString(4, StoredReports.write(report));
        s.executeUpdate();
      }
      try (PreparedStatement s = c.prepareStatement(
          "DELETE FROM tether_crash_reports WHERE function = ? AND id NOT IN (SELECT id FROM"
              + " tether_crash_reports WHERE function = ? ORDER BY id DESC LIMIT ?)")) {
        s.setString(1, report.function());
        s.setString(2, report.function());
        s.setInt(3, MAX_PER_FUNCTION);
        s.executeUpdate();
      }
    } catch (SQLException e) {
      throw new ReportStoreException("cannot store a crash report: " + e.getMessage(), e);
    }
  }

  @Override
  public List<CrashReport> list(String function) {
    return query("SELECT body FROM tether_crash_reports WHERE function = ? ORDER BY id DESC",
        function, null);
  }

  @Override
  public Optional<CrashReport> find(String function, String id) {
    return query("SELECT body FROM tether_crash_reports WHERE function = ? AND id = ?",
        function, id).stream().findFirst();
  }

  @Override
  public Map<String, CrashReport> latest() {
    Map<String, CrashReport> latest = new TreeMap<>();
    try (Connection c = connect(); Statement s = c.createStatement();
        ResultSet rows = s.executeQuery("SELECT DISTINCT ON (function) body FROM"
            + " tether_crash_reports ORDER BY function, id DESC")) {
      while (rows.next()) {
        CrashReport report = StoredReports.read(rows.getString(1));
        latest.put(report.function(), report);
      }
    } catch (SQLException | JsonProcessingException e) {
      throw new ReportStoreException("cannot read crash reports: " + e.getMessage(), e);
    }
    return latest;
  }

  private List<CrashReport> query(String sql, String function, String id) {
    List<CrashReport> reports = new ArrayList<>();
    try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, function);
      if (id != null) {
        s.setString(2, id);
      }
      try (ResultSet rows = s.executeQuery()) {
        while (rows.next()) {
          reports.add(StoredReports.read(rows.getString(1)));
        }
      }
    } catch (SQLException | JsonProcessingException e) {
      throw new ReportStoreException("cannot read crash reports: " + e.getMessage(), e);
    }
    return reports;
  }

  private Connection connect() throws SQLException {
    Connection connection = DriverManager.getConnection(url);
    if (!tableReady) {
      try (Statement s = connection.createStatement()) {
        s.execute(SCHEMA);
        tableReady = true;
      } catch (SQLException e) {
        connection.close();
        throw e;
      }
    }
    return connection;
  }
}
