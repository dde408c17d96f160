package dev.tether.relay.config;

import java.util.Locale;
import java.util.Optional;

/**
 * How the relay keeps its audit trail, validated and defaulted here. In the config file:
 * {@code "audit": {"store": "postgresql", "jdbcUrl": "jdbc:postgresql://db/tether",
 * "maxArgSize": "1KiB", "rotateSize": "64MiB", "queueSize": 8192, "failClosed": true}}.
 *
 * @param store where records go: {@code file} (default, {@code <dataDir>/audit}) or
 *     {@code postgresql}
 * @param jdbcUrl the PostgreSQL JDBC URL (required for postgresql; never logged in full)
 * @param maxArgBytes how much of a recorded CDP command's arguments is kept (in characters)
 * @param rotateBytes the size at which the file store starts a new file
 * @param queueCapacity how many events may wait for the writer; beyond that they are dropped and
 *     counted (an {@code audit.dropped} record says how many), so the CDP path never waits
 * @param failClosed when true, a trail that cannot be written makes the relay refuse new sessions
 */
public record AuditConfig(
    Store store, Optional<String> jdbcUrl, int maxArgBytes, long rotateBytes, int queueCapacity,
    boolean failClosed) {

  /** The kinds of store. */
  public enum Store { FILE, POSTGRESQL }

  public AuditConfig {
    store = store == null ? Store.FILE : store;
    jdbcUrl = jdbcUrl == null ? Optional.empty() : jdbcUrl.filter(u -> !u.isBlank());
    if (store == Store.POSTGRESQL
        && !jdbcUrl.map(u -> u.startsWith("jdbc:postgresql:")).orElse(false)) {
      throw new IllegalArgumentException("audit.jdbcUrl must be a PostgreSQL JDBC URL like"
          + " jdbc:postgresql://db.example.com:5432/tether?user=tether when audit.store is"
          + " postgresql");
    }
    maxArgBytes = maxArgBytes == 0 ? 1024 : maxArgBytes;
    if (maxArgBytes < 16 || maxArgBytes > 64 * 1024) {
      throw new IllegalArgumentException(
          "audit.maxArgSize must be between 16 B and 64 KiB, was " + maxArgBytes);
    }
    rotateBytes = rotateBytes == 0 ? 64L * 1024 * 1024 : rotateBytes;
    if (rotateBytes < 1024 || rotateBytes > 4L * 1024 * 1024 * 1024) {
      throw new IllegalArgumentException(
          "audit.rotateSize must be between 1 KiB and 4 GiB, was " + rotateBytes);
    }
    queueCapacity = queueCapacity == 0 ? 8192 : queueCapacity;
    if (queueCapacity < 16 || queueCapacity > 1_000_000) {
      throw new IllegalArgumentException(
          "audit.queueSize must be between 16 and 1000000, was " + queueCapacity);
    }
  }

  public static AuditConfig defaults() {
    return new AuditConfig(Store.FILE, Optional.empty(), 0, 0, 0, false);
  }

  public AuditConfig withFailClosed(boolean value) {
    return new AuditConfig(store, jdbcUrl, maxArgBytes, rotateBytes, queueCapacity, value);
  }

  /** A PostgreSQL-backed config with the other settings of this one. */
  public AuditConfig withPostgres(String url) {
    return new AuditConfig(Store.POSTGRESQL, Optional.of(url), maxArgBytes, rotateBytes,
        queueCapacity, failClosed);
  }

  /** A JDBC URL fit for a log line: no query (it may carry a password), no user info. */
  public static String redactedJdbcUrl(String url) {
    String noQuery = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
    return noQuery.replaceAll("//[^/@]*@", "//");
  }

  @Override
  public String toString() {
    return "AuditConfig[store=" + store.name().toLowerCase(Locale.ROOT) + ", jdbcUrl="
        + jdbcUrl.map(AuditConfig::redactedJdbcUrl).orElse("-") + ", maxArgBytes=" + maxArgBytes
        + ", rotateBytes=" + rotateBytes + ", queueCapacity=" + queueCapacity + ", failClosed="
        + failClosed + "]";
  }
}
