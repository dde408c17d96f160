package dev.tether.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tether.relay.auth.Mode;
import dev.tether.relay.auth.Role;
import dev.tether.relay.auth.SigningKeys;
import dev.tether.relay.auth.TokenIssuer;
import dev.tether.shim.Shim;
import dev.tether.shim.ShimConfig;
import dev.tether.testkit.Poll;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A cluster as operators run it: one {@code redis-server} of the test's own and relay nodes, each
 * its own JVM ({@code tether relay --config} with a {@code cluster} section), the same key copied
 * into every data directory, one public URL. A node can be killed with {@code kill -9}; Redis can
 * be killed and started again on its port. {@link #startFunction} tethers a real instance of
 * examples/orders to one node; the instances stop first when the cluster closes. Without
 * redis-server the test is skipped, except under {@code CI=true}, where it fails.
 */
final class ClusterProcesses implements AutoCloseable {
  static final String PUBLIC_URL = "http://tether.test";
  private final Path dir;
  private final int redisPort;
  private Process redis;
  private final List<Node> nodes = new ArrayList<>();
  private final List<Function> functions = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private TokenIssuer issuer;

  /** One relay process. */
  record Node(String id, int port, Process process) {
    URI http(String path) {
      return URI.create("http://127.0.0.1:" + port + path);
    }

    String ws() {
      return "ws://127.0.0.1:" + port;
    }

    /** A URL the API handed out (for the public URL) aimed at this node. */
    URI via(URI publicUrl) {
      return URI.create(publicUrl.toString().replace("ws://tether.test", ws()));
    }
  }

  /** One instance: node running examples/orders/server.js under a real shim, on a loopback port. */
  record Function(Shim shim, int port) {
    String instanceId() {
      return shim.instanceId();
    }

    /** One invocation: POSTs {@code event}; completes when the function answers. */
    CompletableFuture<HttpResponse<String>> invoke(String event) {
      return HttpClient.newHttpClient().sendAsync(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
              .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(event)).build(),
          HttpResponse.BodyHandlers.ofString());
    }
  }

  private ClusterProcesses(Path dir, int redisPort) {
    this.dir = dir;
    this.redisPort = redisPort;
  }

  static ClusterProcesses start(int size) throws Exception {
    boolean installed = Files.isExecutable(Path.of("/usr/bin/redis-server"));
    if (!installed) {
      String message = "redis-server is not installed (apt-get install redis-server); the cluster"
          + " tests need it";
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError(message + " and CI=true");
      }
      assumeTrue(false, message + "; skipped");
    }
    ClusterProcesses cluster = new ClusterProcesses(Files.createTempDirectory("tether-cluster-"),
        TetherStack.freePort());
    try {
      cluster.startRedis();
      for (int i = 0; i < size; i++) {
        cluster.startNode("relay-" + (char) ('a' + i));
      }
    } catch (Exception | AssertionError e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  void startRedis() throws Exception {
    redis = new ProcessBuilder("/usr/bin/redis-server", "--port", String.valueOf(redisPort),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
    Poll.until(Duration.ofSeconds(10), "redis-server on " + redisPort, () -> {
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), redisPort)) {
        return true;
      } catch (IOException e) {
        return false;
      }
    });
  }

  void killRedis() throws InterruptedException {
    redis.destroyForcibly().waitFor();
  }

  int redisPort() {
    return redisPort;
  }

  private void startNode(String id) throws Exception {
    Path data = dir.resolve(id);
    Path first = dir.resolve("relay-a");
    if (!nodes.isEmpty()) { // every node signs with the first node's key
      Files.createDirectories(SigningKeys.keyFile(data).getParent());
      Files.copy(SigningKeys.keyFile(first), SigningKeys.keyFile(data));
    }
    int port = TetherStack.freePort();
    Path config = dir.resolve(id + ".json");
    Files.writeString(config, "{\"cluster\": {\"nodeId\": \"" + id + "\", \"redis\":"
        + " \"redis://127.0.0.1:" + redisPort + "/0\", \"peerUrl\": \"ws://127.0.0.1:" + port
        + "\", \"registryTtl\": \"3s\"}}");
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java")
            .toString(), "-Xmx128m", "-cp", System.getProperty("java.class.path"),
        "dev.tether.relay.cli.Main", "relay", "--host", "127.0.0.1", "--port", String.valueOf(port),
        "--data-dir", data.toString(), "--public-url", PUBLIC_URL, "--config", config.toString());
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    CompletableFuture<Void> listening = new CompletableFuture<>();
    Path log = dir.resolve(id + ".log");
    Thread pump = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
          var out = Files.newBufferedWriter(log)) {
        for (String line; (line = lines.readLine()) != null; ) {
          out.write(line);
          out.newLine();
          out.flush();
          if (line.contains("listening on")) {
            listening.complete(null);
          }
        }
      } catch (IOException e) {
        listening.completeExceptionally(e);
      }
      listening.completeExceptionally(new IllegalStateException(id + " exited; see " + log));
    }, id + "-log");
    pump.setDaemon(true);
    pump.start();
    listening.get(60, TimeUnit.SECONDS);
    nodes.add(new Node(id, port, process));
    if (issuer == null) {
      issuer = new TokenIssuer(SigningKeys.loadOrCreate(data), PUBLIC_URL, Clock.systemUTC());
    }
  }

  /**
   * Starts an instance of {@code name} (examples/orders) whose shim dials node {@code node}, and
   * waits until it is registered and answers.
   */
  Function startFunction(int node, String name) throws Exception {
    int port = TetherStack.freePort();
    Shim shim = Shim.start(ShimConfig.wrap(nodes.get(node).ws(), agentToken(name), name,
        List.of("node", TetherStack.ROOT.resolve("examples/orders/server.js").toString(),
            String.valueOf(port))));
    Function function = new Function(shim, port);
    functions.add(function);
    if (!shim.awaitRegistered(Duration.ofSeconds(30))) {
      throw new AssertionError("the shim of " + name + " did not register at "
          + nodes.get(node).id());
    }
    Poll.until(Duration.ofSeconds(20), name + " answering on port " + port, () -> {
      try {
        function.invoke("{}").get();
        return true;
      } catch (ExecutionException e) {
        return false; // the port is about to open
      }
    });
    return function;
  }

  Node node(int index) {
    return nodes.get(index);
  }

  /** {@code kill -9}: no goodbye to anyone, nothing removed from Redis. */
  void kill(int index) throws InterruptedException {
    nodes.get(index).process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  String userToken(String subject) {
    return issuer.userToken(subject, Role.DEVELOPER, List.of("*"), EnumSet.allOf(Mode.class),
        Duration.ofHours(1));
  }

  String adminToken(String subject) {
    return issuer.userToken(subject, Role.ADMIN, List.of(), EnumSet.allOf(Mode.class),
        Duration.ofHours(1));
  }

  String agentToken(String function) {
    return issuer.agentToken(function, Duration.ofHours(1));
  }

  HttpResponse<String> api(int node, String method, String path, String token, String body)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(nodes.get(node).http(path))
        .timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body))
        .header("Authorization", "Bearer " + token);
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    for (Function function : functions) {
      function.shim().close();
    }
    for (Node node : nodes) {
      node.process().destroy();
    }
    for (Node node : nodes) {
      try {
        if (!node.process().waitFor(10, TimeUnit.SECONDS)) {
          node.process().destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (redis != null) {
      redis.destroyForcibly();
    }
  }
}
