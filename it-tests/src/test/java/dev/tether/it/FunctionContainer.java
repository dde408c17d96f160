package dev.tether.it;

import com.github.dockerjava.api.DockerClient;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * One function instance in a container: only Node.js and the shim layer, 256 MB of memory, no
 * published ports, on the host's network so every byte stays on loopback. The shim inside wraps
 * the sample function and dials the relay running in the test JVM.
 */
final class FunctionContainer implements AutoCloseable {
  static final long MEMORY_BYTES = 128L * 1024 * 1024; // AWS Lambda's smallest, FC's and SCF's too

  private final GenericContainer<?> container;

  private FunctionContainer(GenericContainer<?> container) {
    this.container = container;
  }

  /**
   * Skips the calling test class when Docker is missing (a laptop), but fails it when {@code
   * CI=true}: CI must run the container tests.
   */
  static void requireDocker() {
    boolean available;
    String why = "";
    try {
      available = DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | Error e) {
      available = false;
      why = " (" + e.getMessage() + ")";
    }
    if (available) {
      return;
    }
    String message = "Docker is not available" + why + "; the container tests need a running"
        + " Docker engine (Debian: apt-get install docker.io, then start dockerd)";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      Assertions.fail(message + ". CI=true: .ci/run installs and starts it, so this is a failure.");
    }
    Assumptions.abort(message + ". Skipping them here; CI runs them.");
  }

  static FunctionContainer start(
      String image, URI relay, String token, String function, String instance, int httpPort) {
    return start(image, relay, token, function, instance,
        java.util.List.of("node", "/var/task/server.js", String.valueOf(httpPort)));
  }

  /** The same, wrapping {@code command} (e.g. another script in /var/task). */
  static FunctionContainer start(String image, URI relay, String token, String function,
      String instance, java.util.List<String> command) {
    return start(image, relay, token, function, instance, command, Map.of());
  }

  /** The same, with {@code extraEnv} added to the container's environment. */
  static FunctionContainer start(String image, URI relay, String token, String function,
      String instance, java.util.List<String> command, Map<String, String> extraEnv) {
    java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of("tether-shim", "--"));
    argv.addAll(command);
    GenericContainer<?> container =
        new GenericContainer<>(DockerImageName.parse(image))
            .withNetworkMode("host")
            // --init, as README's container recipe says: the function is not PID 1, so SIGTERM
            // stops it.
            .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withInit(true)
                .withMemory(MEMORY_BYTES).withMemorySwap(MEMORY_BYTES))
            .withEnv(extraEnv)
            .withEnv(Map.of(
                "TETHER_RELAY_URL", relay.toString(),
                "TETHER_AGENT_TOKEN", token,
                "TETHER_FUNCTION", function,
                "TETHER_INSTANCE", instance,
                // -Xshare:on fails the start if the layer's CDS archive does not fit where the
                // layer was unzipped, instead of silently starting without it.
                "TETHER_SHIM_JAVA_OPTS", "-Xshare:on"))
            .withCommand(argv.toArray(String[]::new))
            .withLogConsumer(frame -> System.out.print("[" + instance + "] " + frame.getUtf8String()));
    container.start();
    return new FunctionContainer(container);
  }

  String logs() {
    return container.getLogs();
  }

  String id() {
    return container.getContainerId();
  }

  boolean exposesNoPorts() {
    return container.getExposedPorts().isEmpty()
        && container.getContainerInfo().getHostConfig().getPortBindings().getBindings().isEmpty();
  }

  long memoryLimit() {
    return container.getContainerInfo().getHostConfig().getMemory();
  }

  void pause() {
    docker().pauseContainerCmd(id()).exec();
  }

  void unpause() {
    docker().unpauseContainerCmd(id()).exec();
  }

  /** True when the kernel's OOM killer ended a process of the container, as docker inspect says. */
  boolean oomKilled() {
    return Boolean.TRUE.equals(docker().inspectContainerCmd(id()).exec().getState().getOOMKilled());
  }

  boolean running() {
    return Boolean.TRUE.equals(docker().inspectContainerCmd(id()).exec().getState().getRunning());
  }

  /** SIGKILL, as a platform ends an instance without notice; the kernel closes its sockets. */
  void kill() {
    docker().killContainerCmd(id()).exec();
  }

  /**
   * Resident memory of the shim and of node, in KiB. The layer's launcher exec's into node and
   * leaves the shim as its child; in the shim's own wrap mode it is the other way round, so each
   * is found by its name.
   */
  long[] residentKib() throws IOException {
    long first = docker().inspectContainerCmd(id()).exec().getState().getPidLong();
    // Every process of the container: under --init the first is docker's init, node its child
    // and the shim node's.
    List<Long> pids = new ArrayList<>(List.of(first));
    for (int i = 0; i < pids.size(); i++) {
      try (var tasks = Files.list(Path.of("/proc/" + pids.get(i) + "/task"))) {
        for (Path task : tasks.toList()) {
          for (String child : Files.readString(task.resolve("children")).trim().split("\\s+")) {
            if (!child.isEmpty() && !pids.contains(Long.parseLong(child))) {
              pids.add(Long.parseLong(child));
            }
          }
        }
      } catch (IOException gone) {
        // a process that ended meanwhile
      }
    }
    long shim = -1;
    long node = -1;
    for (long pid : pids) {
      String name = Files.readString(Path.of("/proc/" + pid + "/comm")).trim();
      if (name.equals("java")) {
        shim = rss(pid);
      } else if (name.equals("node")) {
        node = rss(pid);
      }
    }
    return new long[] {shim, node};
  }

  private static long rss(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  private static DockerClient docker() {
    return DockerClientFactory.instance().client();
  }

  @Override
  public void close() {
    container.stop();
  }
}
