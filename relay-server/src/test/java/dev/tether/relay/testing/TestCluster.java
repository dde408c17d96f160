package dev.tether.relay.testing;

import dev.tether.relay.config.RelayConfig;
import dev.tether.relay.auth.SigningKeys;
import dev.tether.relay.config.ClusterConfig;
import dev.tether.testkit.server.ServerExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

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
                URI.create("ws://127.0.0.1:" + port), Duration.ofSeconds(3), null, null))));
      }
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  /**
   * A Redis of its own and a cluster of {@code size} nodes for one test class, as a JUnit
   * extension: {@code @RegisterExtension static final TestCluster.PerClass cluster =
   * TestCluster.perClass(3);}. Started before the class's {@code @BeforeAll} methods, closed (and
   * its data directories deleted) after its {@code @AfterAll} ones.
   */
  public static PerClass perClass(int size) {
    return new PerClass(size);
  }

  /** The per-class cluster: its nodes, and the Redis they share (which a test may stop). */
  public static final class PerClass implements BeforeAllCallback, AfterAllCallback {
    private final ServerExtension<Running> running;

    private PerClass(int size) {
      running = ServerExtension.of(() -> Running.start(size));
    }

    public TestRelay node(int index) {
      return running.get().cluster.node(index);
    }

    public String via(int index, String publicUrl) {
      return running.get().cluster.via(index, publicUrl);
    }

    public RedisServer redis() {
      return running.get().redis;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
      running.beforeAll(context);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
      running.afterAll(context);
    }
  }

  /** What a per-class cluster holds while it runs; closing closes all of it, nodes first. */
  private record Running(Path dir, RedisServer redis, TestCluster cluster) implements AutoCloseable {
    static Running start(int size) throws Exception {
      Path dir = Files.createTempDirectory("tether-cluster-test-");
      RedisServer redis = RedisServer.start();
      try {
        return new Running(dir, redis, TestCluster.start(dir, redis.url(0), size));
      } catch (Exception e) {
        redis.close();
        delete(dir);
        throw e;
      }
    }

    @Override
    public void close() throws Exception {
      try {
        cluster.close();
      } finally {
        redis.close();
        delete(dir);
      }
    }

    private static void delete(Path dir) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
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
