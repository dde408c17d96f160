package dev.tether.relay.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tether.testkit.Poll;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A throwaway {@code redis-server} of the test's own, on a free port, nothing saved to disk; it can
 * be stopped ({@code kill -9}) and started again on the same port. Where redis-server is missing
 * the test is skipped with a message, except when {@code CI=true}: there it fails.
 */
public final class RedisServer implements AutoCloseable {
  private final int port;
  private final Path dir;
  private Process process;

  private RedisServer(int port, Path dir) {
    this.port = port;
    this.dir = dir;
  }

  /** Starts one, or skips the test (fails it under CI=true) when redis-server is not installed. */
  public static RedisServer start() throws Exception {
    String binary = binary();
    if (binary == null) {
      String message = "redis-server is not installed (Debian: apt-get install redis-server);"
          + " the cluster tests need it";
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError(message + " and CI=true");
      }
      assumeTrue(false, message + "; skipped");
    }
    RedisServer server = new RedisServer(freePort(), Files.createTempDirectory("tether-redis"));
    server.startProcess();
    return server;
  }

  private static String binary() {
    for (String candidate : List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server")) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    return null;
  }

  /** {@code redis://127.0.0.1:<port>/<db>}. */
  public String url(int database) {
    return "redis://127.0.0.1:" + port + "/" + database;
  }

  public int port() {
    return port;
  }

  /** Kills it at once, as a crash would; every key is lost (nothing is saved). */
  public synchronized void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor();
      process = null;
    }
  }

  /** Starts it again on the same port, empty. */
  public synchronized void restart() throws Exception {
    kill();
    startProcess();
  }

  private synchronized void startProcess() throws Exception {
    process = new ProcessBuilder(binary(), "--port", String.valueOf(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--dir", dir.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
    Poll.until(Duration.ofSeconds(10), "redis-server to listen on " + port, () -> {
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return true;
      } catch (IOException e) {
        return false;
      }
    });
  }

  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    kill();
  }
}
