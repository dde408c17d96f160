import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/**
 * Creates the PostgreSQL schema a cluster demo keeps its audit trail in, unless it exists (run by
 * examples/cluster/demo.sh with the relay's jar, which carries the driver, on the class path):
 * {@code java -cp tether-relay.jar CreateSchema.java JDBC-URL SCHEMA}.
 */
public class CreateSchema {
  public static void main(String[] args) throws Exception {
    if (!args[1].matches("[a-z_][a-z0-9_]{0,62}")) {
      throw new IllegalArgumentException("not a plain schema name: " + args[1]);
    }
    try (Connection c = DriverManager.getConnection(args[0]); Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA IF NOT EXISTS " + args[1]);
    }
  }
}
