package dev.tether.relay.cli;

import dev.tether.relay.Relay;
import dev.tether.relay.auth.Mode;
import dev.tether.relay.auth.Role;
import dev.tether.relay.config.RelayConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * {@code tether demo}: a relay on 127.0.0.1:9300, the sample {@code orders} function wrapped by
 * the shim, and what to do next printed plainly, first the console link that signs a developer in.
 */
public final class DemoCommand {
  static final Set<String> OPTIONS = Set.of("data-dir", "port");
  private static final String FUNCTION = "orders";

  private DemoCommand() {}

  static Relay run(String[] argv, PrintStream out) throws Exception {
    Args args = Args.parse("demo", argv, 1, OPTIONS);
    Path shimJar = Path.of(property("tether.shimJar"));
    Path home = Path.of(property("tether.home"));
    Path server = home.resolve("examples/orders/server.js");
    if (!Files.isRegularFile(shimJar) || !Files.isRegularFile(server)) {
      throw new UsageException("demo: cannot find " + (Files.isRegularFile(shimJar) ? server : shimJar)
          + "; run it from the repository root as ./tether demo");
    }
    int port = args.port("port", RelayConfig.DEFAULT_PORT);
    if (port == 0) {
      throw new UsageException("demo: --port needs a real port number (the function uses port+1)");
    }
    int functionPort = port + 1;
    requireFree(functionPort);
    RelayConfig config = RelayConfig.builder()
        .host("127.0.0.1")
        .port(port)
        .dataDir(Path.of(args.get("data-dir").orElse(".tether/demo")))
        .build();
    Relay relay = Relay.start(config);
    String instance = "demo-" + UUID.randomUUID().toString().substring(0, 8);
    Process shim = startShim(relay, shimJar, server, functionPort, instance);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stop(shim);
      relay.close();
    }, "demo-shutdown"));
    try {
      awaitFunction(relay, shim, instance, functionPort, Duration.ofSeconds(30));
      String user = relay.tokenIssuer().userToken(
          "developer", Role.DEVELOPER, List.of(FUNCTION), EnumSet.allOf(Mode.class),
          Duration.ofHours(8));
      String admin = relay.tokenIssuer().userToken(
          "admin", Role.ADMIN, List.of(), EnumSet.allOf(Mode.class), Duration.ofHours(8));
      printNextSteps(out, relay, functionPort, user, admin);
    } catch (Exception e) {
      stop(shim);
      relay.close();
      throw e;
    }
    return relay;
  }

  /** The function's port must be free: a function left over from a killed demo still holds it. */
  private static void requireFree(int functionPort) {
    try (ServerSocket probe = new ServerSocket()) {
      probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), functionPort));
    } catch (IOException e) {
      throw new UsageException("demo: port " + functionPort + " for the sample function is taken,"
          + " perhaps by the function of an earlier demo that was killed (see `lsof -i :"
          + functionPort + "`); stop it, or start the demo with another --port");
    }
  }

  private static Process startShim(Relay relay, Path shimJar, Path server, int functionPort,
      String instance) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String relayUrl = RelayCommand.stripSlash(relay.wsUri("/"));
    ProcessBuilder builder = new ProcessBuilder(
        java, "-jar", shimJar.toString(), "--relay", relayUrl, "--function", FUNCTION,
        "--", "node", server.toString());
    // The token goes through the environment, not argv, so `ps` does not show it.
    builder.environment().put("TETHER_AGENT_TOKEN",
        relay.tokenIssuer().agentToken(FUNCTION, Duration.ofDays(1)));
    builder.environment().put("PORT", Integer.toString(functionPort));
    builder.environment().put("TETHER_INSTANCE", instance);
    // The shim ends the function when this JVM dies, even by kill -9 (no shutdown hook runs then).
    builder.environment().put("TETHER_PARENT_PID", Long.toString(ProcessHandle.current().pid()));
    builder.inheritIO();
    return builder.start();
  }

  /**
   * Waits until this demo's own instance (not one left over from an earlier demo) is registered
   * with a target and its function answers on its port, while the shim (and so the function)
   * still runs; anything else is a failure, never a success banner.
   */
  private static void awaitFunction(Relay relay, Process shim, String instance, int functionPort,
      Duration timeout) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (!shim.isAlive()) {
        throw new IllegalStateException("the sample function exited with status "
            + shim.exitValue() + " before it was ready; see its output above");
      }
      boolean registered = relay.agents().find(FUNCTION, instance)
          .filter(tunnel -> !tunnel.targets().isEmpty()).isPresent();
      if (registered && answers(functionPort) && shim.isAlive()) {
        return;
      }
      shim.waitFor(100, TimeUnit.MILLISECONDS);
    }
    throw new IllegalStateException("the sample function was not ready within "
        + timeout.toSeconds() + "s (registered with the relay and listening on port "
        + functionPort + "); see its output above");
  }

  private static boolean answers(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void printNextSteps(PrintStream out, Relay relay, int functionPort, String user,
      String admin) {
    String base = RelayCommand.stripSlash(relay.uri("/"));
    out.println();
    out.println("Tether demo is running: relay " + base + ", function '" + FUNCTION + "' on port "
        + functionPort + " (Ctrl-C stops both)");
    out.println();
    out.println("1. Open the console and click Debug next to '" + FUNCTION + "' (DevTools opens in a new"
        + " tab):");
    out.println("     " + base + "/#token=" + user);
    out.println("   The link signs you in as 'developer' for 8h; the token stays in that browser tab.");
    out.println();
    out.println("2. In DevTools: Sources > Node > .../examples/orders/handler.js, click a line number"
        + " to set a breakpoint, then invoke the function:");
    out.println("     curl -s http://127.0.0.1:" + functionPort + "/ -d '{\"customer\":\"ada\","
        + "\"items\":[{\"sku\":\"tea\",\"unitPrice\":4.5,\"quantity\":2}]}'");
    out.println();
    out.println("3. Chrome's own DevTools, VS Code or a script instead: after Debug, the console's"
        + " session panel makes fresh links for them (Attach another debugger); or ask the API:");
    out.println("     export TETHER_TOKEN=" + user);
    out.println("     curl -s -H \"Authorization: Bearer $TETHER_TOKEN\" -H 'Content-Type: application/json'"
        + " -d '{\"function\":\"" + FUNCTION + "\"}' " + base + "/api/sessions");
    out.println();
    out.println("4. The admin pages (live sessions, terminate, audit trail), signed in as 'admin':");
    out.println("     " + base + "/admin/#token=" + admin);
    out.println("   More tokens: ./tether token user --sub NAME --functions '" + FUNCTION + "' --data-dir "
        + relay.config().dataDir() + " (or --role admin instead of --functions)");
    out.println();
    out.flush();
  }

  private static void stop(Process shim) {
    if (!shim.isAlive()) {
      return;
    }
    shim.destroy();
    try {
      if (!shim.waitFor(5, TimeUnit.SECONDS)) {
        shim.destroyForcibly();
      }
    } catch (InterruptedException e) {
      shim.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static String property(String name) {
    String value = System.getProperty(name);
    if (value == null || value.isBlank()) {
      throw new UsageException("demo: the system property " + name + " is not set; run the demo"
          + " as ./tether demo from the repository root");
    }
    return value;
  }

}
