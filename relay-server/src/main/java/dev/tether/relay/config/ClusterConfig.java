package dev.tether.relay.config;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How a relay joins a cluster (the config file's {@code cluster} section), validated and
 * defaulted here: its node id, the Redis that holds the cluster's live state, and the address the
 * other nodes reach it at. Without this section a relay runs alone.
 *
 * @param nodeId this node's name, unique in the cluster (letters, digits, {@code . _ -})
 * @param redis {@code redis://host:port/db} (or {@code rediss://}); the database index is the
 *     path; a password goes in the user part ({@code redis://:secret@host:6379/0}) and is never
 *     logged
 * @param peerUrl how other nodes reach this one ({@code ws://host:port}): its own port, not the
 *     load balancer's public URL
 * @param registryTtl how long an entry this node wrote to Redis (an agent, a session) lives unless
 *     renewed; a node killed with {@code kill -9} is forgotten after this long
 * @param redisTimeout how long one Redis call may take before the node treats Redis as down
 * @param pollInterval how often, while a function session's window watches a function, the node
 *     reads that function's instances on the other nodes (one read of its index per interval)
 */
public record ClusterConfig(String nodeId, URI redis, URI peerUrl, Duration registryTtl,
    Duration redisTimeout, Duration pollInterval) {
  private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  public static final String EXAMPLE = "{\"cluster\": {\"nodeId\": \"relay-a\", \"redis\":"
      + " \"redis://127.0.0.1:6379/0\", \"peerUrl\": \"ws://10.0.0.5:9300\"}}";

  /** Never prints the Redis password. */
  @Override
  public String toString() {
    return "ClusterConfig[nodeId=" + nodeId + ", redis=" + redis.getHost() + ":" + redis.getPort()
        + "/" + database() + ", peerUrl=" + peerUrl + ", registryTtl=" + registryTtl
        + ", pollInterval=" + pollInterval + "]";
  }

  public ClusterConfig {
    if (nodeId == null || !NODE_ID.matcher(nodeId).matches()) {
      throw new IllegalArgumentException("cluster.nodeId must be 1-64 letters, digits, '.', '_'"
          + " or '-' and unique per node, e.g. " + EXAMPLE);
    }
    if (redis == null || redis.getHost() == null
        || !Set.of("redis", "rediss").contains(lower(redis.getScheme()))) {
      throw new IllegalArgumentException(
          "cluster.redis must be a URL like redis://127.0.0.1:6379/0, was "
              + (redis == null ? null : redis.getScheme() + "://" + redis.getHost()));
    }
    String db = redis.getPath() == null ? "" : redis.getPath().replace("/", "");
    if (!db.isEmpty() && !db.matches("\\d{1,2}")) {
      throw new IllegalArgumentException(
          "cluster.redis: the path is the database index (0-15), was " + redis.getPath());
    }
    if (peerUrl == null || peerUrl.getHost() == null
        || !Set.of("ws", "wss").contains(lower(peerUrl.getScheme()))
        || (peerUrl.getPath() != null && !peerUrl.getPath().isEmpty()
            && !peerUrl.getPath().equals("/"))) {
      throw new IllegalArgumentException("cluster.peerUrl must be this node's own address as"
          + " ws://host:port (or wss://) without a path, was " + peerUrl);
    }
    registryTtl = registryTtl == null ? Duration.ofSeconds(6) : registryTtl;
    if (registryTtl.compareTo(Duration.ofSeconds(2)) < 0
        || registryTtl.compareTo(Duration.ofMinutes(5)) > 0) {
      throw new IllegalArgumentException(
          "cluster.registryTtl must be between 2s and 5m, was " + registryTtl);
    }
    redisTimeout = redisTimeout == null ? Duration.ofMillis(500) : redisTimeout;
    if (redisTimeout.compareTo(Duration.ofMillis(50)) < 0
        || redisTimeout.compareTo(Duration.ofSeconds(10)) > 0) {
      throw new IllegalArgumentException(
          "cluster.redisTimeout must be between 50ms and 10s, was " + redisTimeout);
    }
    pollInterval = pollInterval == null ? Duration.ofSeconds(1) : pollInterval;
    if (pollInterval.compareTo(Duration.ofMillis(100)) < 0
        || pollInterval.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new IllegalArgumentException(
          "cluster.pollInterval must be between 100ms and 1m, was " + pollInterval);
    }
  }

  /** Each entry is renewed three times per TTL, so one missed renewal never drops it. */
  public Duration renewEvery() {
    return registryTtl.dividedBy(3);
  }

  /** The Redis database index ({@code /3} in the URL), 0 by default. */
  public int database() {
    String path = redis.getPath() == null ? "" : redis.getPath().replace("/", "");
    return path.isEmpty() ? 0 : Integer.parseInt(path);
  }

  /** The peer address as HTTP, for the API requests a node forwards to another. */
  public URI peerHttp() {
    return URI.create(peerUrl.toString().replaceFirst("^ws", "http").replaceAll("/$", ""));
  }

  private static String lower(String scheme) {
    return scheme == null ? "" : scheme.toLowerCase(Locale.ROOT);
  }
}
