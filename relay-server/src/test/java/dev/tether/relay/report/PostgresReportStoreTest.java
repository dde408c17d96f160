package dev.tether.relay.report;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * The PostgreSQL store against the same contract on the server at 127.0.0.1:5432 (database
 * {@code test}), a schema per test; skipped without a server except on CI ({@code CI=true}).
 */
class PostgresReportStoreTest extends ReportStoreContract {
  static final String SERVER = System.getProperty("tether.test.postgres",
      "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
  private final String schema = "tether_reports_test_" + UUID.randomUUID().toString().replace("-", "");

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

  @Override
  protected ReportStore newStore() throws SQLException {
    sql("CREATE SCHEMA " + schema);
    return sameStorage();
  }

  @Override
  protected ReportStore sameStorage() {
    return new PostgresReportStore(SERVER + "&currentSchema=" + schema);
  }

  @AfterEach
  void dropSchema() throws SQLException {
    sql("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  }

  private static void sql(String statement) throws SQLException {
    try (Connection c = DriverManager.getConnection(SERVER); Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }
}
