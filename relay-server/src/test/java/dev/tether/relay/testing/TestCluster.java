package dev.tether.relay.testing;

import dev.tether.relay.config.RelayConfig;
import dev.tether.relay.auth.SigningKeys;
import dev.tether.relay.config.ClusterConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Several relays in one JVM as one cluster: each on its own port, with its own data directory
 * holding a copy of the first node's signing key, one public URL, one Redis.
 */
public final class TestCluster implements AutoCloseable {
  /** The load balancer's address every node is configured with (nothing listens there). */
  public static final String PUBLIC_URL = "http://tether.test";
  private final List<TestRelay> nodes = new ArrayList<>();

  private TestCluster() {}

  public static TestCluster start(Path dir, String redisUrl, int size) throws Exception {
    TestCluster cluster = new TestCluster();
    try {
      for (int i = 0; i < size; i++) {
        String name = "relay-" + (char) ('a' + i);
        Path data = dir.resolve(name);
        if (i > 0) { // the same key on every node: copy the first node's keys/ folder
          Files.createDirectories(SigningKeys.keyFile(data).getParent());
          Files.copy(SigningKeys.keyFile(dir.resolve("relay-a")), SigningKeys.keyFile(data));
        }
        int port = RedisServer.freePort();
        cluster.nodes.add(TestRelay.start(RelayConfig.builder().port(port).dataDir(data)
            .publicUrl(URI.create(PUBLIC_URL))
            .cluster(new ClusterConfig(name, URI.create(redisUrl),
                URI.create("ws://127.0.0.1:" + port), Duration.ofSeconds(3), null))));
      }
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  public TestRelay node(int index) {
    return nodes.get(index);
  }

  /** A URL the API handed out (public URL) aimed at one node instead of the load balancer. */
  public String via(int index, String publicUrl) {
    String node = node(index).relay().uri("").toString();
    return publicUrl.replace("ws://tether.test", node.replace("http://", "ws://"))
        .replace(PUBLIC_URL, node);
  }

  @Override
  public void close() {
    for (TestRelay node : nodes) {
      node.close();
    }
  }
}
