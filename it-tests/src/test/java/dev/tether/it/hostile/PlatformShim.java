package dev.tether.it.hostile;

import dev.tether.it.TetherStack;
import dev.tether.relay.Relay;
import dev.tether.testkit.Poll;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The shim as a function platform runs it: its own process ({@code tether-shim.jar}, as {@code
 * ./tether shim} and the layer start it), configured by {@code TETHER_*} environment variables
 * alone, wrapping the orders sample function. What the function inherits is what an attacker who
 * evaluates code in it can read.
 */
final class PlatformShim implements AutoCloseable {
  private final Process process;
  private final Path log;
  final String instance;

  private PlatformShim(Process process, Path log, String instance) {
    this.process = process;
    this.log = log;
    this.instance = instance;
  }

  /**
   * Starts {@code function} under a shim process whose environment holds {@code environment} too
   * (e.g. the agent token under another name); {@code shimFlags} go before {@code --}.
   */
  static PlatformShim start(Relay relay, String function, String agentToken,
      Map<String, String> environment, List<String> shimFlags) throws IOException {
    Path jar = TetherStack.ROOT.resolve("function-shim/target/tether-shim.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing; build with -pl it-tests -am so the"
          + " function-shim module is packaged first");
    }
    String instance = function + "-platform-" + ProcessHandle.current().pid();
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
    command.addAll(shimFlags);
    command.addAll(List.of("--", "node",
        TetherStack.ROOT.resolve("examples/orders/server.js").toString(),
        String.valueOf(freePort())));
    Path log = Files.createTempFile("platform-shim-", ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    Map<String, String> env = builder.environment();
    env.put("TETHER_RELAY_URL", relay.wsUri("/agent").toString());
    env.put("TETHER_AGENT_TOKEN", agentToken);
    env.put("TETHER_FUNCTION", function);
    env.put("TETHER_INSTANCE", instance);
    env.put("TETHER_LOG_FORMAT", "text");
    env.putAll(environment);
    PlatformShim shim = new PlatformShim(builder.start(), log, instance);
    try {
      Poll.until(Duration.ofSeconds(60), "the platform shim of " + function + " to register",
          () -> {
            if (!shim.process.isAlive()) {
              throw new AssertionError("the shim exited: " + shim.output());
            }
            return relay.agents().find(function, instance).isPresent();
          });
    } catch (AssertionError e) {
      shim.close();
      throw e;
    }
    return shim;
  }

  String output() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try {
      Files.deleteIfExists(log);
    } catch (IOException ignored) {
      // a temp file; the OS cleans it up
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
