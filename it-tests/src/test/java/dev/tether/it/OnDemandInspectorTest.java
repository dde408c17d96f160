package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.shim.ShimConfig;
import dev.tether.testkit.Poll;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.socket.Closed;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The inspector opens only when a session needs it (SIGUSR1), so no inspector port is open while
 * nobody debugs; in wrap mode with {@code --inspect-on-demand}, and for a running node by pid.
 */
@Timeout(120)
class OnDemandInspectorTest {
  private TetherStack tether;
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stop() {
    processes.forEach(Process::destroyForcibly);
    if (tether != null) {
      tether.close();
    }
  }

  @Test
  void wrapModeOnDemandHasNoInspectorPortUntilASessionOpensIt() throws Exception {
    tether = TetherStack.start();
    TetherStack.Function orders = tether.startFunction("orders", tether.relayUri("/agent"),
        shim -> shim.withInspectOnDemand(true), true);
    int inspectorPort = orders.shim().child().inspectorPort();
    assertThat(listening(inspectorPort)).as("no inspector port while nobody debugs").isFalse();

    String alice = tether.userToken("alice", List.of("orders"));
    try (CdpClient devtools = CdpClient.connect(tether.openSession(alice, "orders"))) {
      assertThat(devtools.send("Runtime.evaluate", "expression", "6*7").path("result")
          .path("value").asInt()).isEqualTo(42);
      assertThat(listening(inspectorPort)).isTrue();
    }
  }

  @Test
  void aSnapshotPointOpensTheInspectorOnDemandAndReportsItsHit() throws Exception {
    tether = TetherStack.start();
    TetherStack.Function orders = tether.startFunction("orders", tether.relayUri("/agent"),
        shim -> shim.withInspectOnDemand(true), true);
    int inspectorPort = orders.shim().child().inspectorPort();
    assertThat(listening(inspectorPort)).as("no inspector port while no point is set").isFalse();

    String alice = tether.userToken("alice", List.of("orders"));
    int line = TetherStack.lineOf("examples/orders/handler.js", "return { statusCode") + 1;
    var created = tether.api("POST", "/api/functions/orders/snapshots", alice,
        "{\"url\":\"handler.js\",\"line\":" + line + ",\"maxHits\":5}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String id = CdpClient.JSON.readTree(created.body()).path("id").asText();

    // The point reaches the shim a moment after it is set, and SIGUSR1 then opens the inspector:
    // invoke until a hit is stored.
    Poll.until(Duration.ofSeconds(30), "a hit from the on-demand instance", () -> {
      try {
        assertThat(orders.invoke("{\"items\":[{\"unitPrice\":10,\"quantity\":2}]}").get()
            .body()).contains("\"total\":24");
        var point = CdpClient.JSON.readTree(
            tether.api("GET", "/api/functions/orders/snapshots/" + id, alice, null).body());
        return point.path("hitCount").asInt() > 0
            && point.toString().contains("\"name\":\"total\"");
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
    assertThat(listening(inspectorPort)).as("the point opened the inspector").isTrue();
  }

  @Test
  void pidModeTethersARunningNodeThatWasStartedWithoutAnInspector() throws Exception {
    tether = TetherStack.start();
    Process node = startNode(List.of());
    tether.startShim(ShimConfig.pid(tether.relayUri("/agent").toString(),
        tether.agentToken("orders"), "orders", node.pid()));

    String alice = tether.userToken("alice", List.of("orders"));
    try (CdpClient devtools = CdpClient.connect(tether.openSession(alice, "orders"))) {
      assertThat(devtools.send("Runtime.evaluate", "expression", "process.pid").path("result")
          .path("value").asLong()).isEqualTo(node.pid());
    }
    assertThat(node.isAlive()).isTrue();
  }

  @Test
  void anInspectorPortHeldByAnotherProcessIsReportedAndNeverConnectedTo() throws Exception {
    tether = TetherStack.start();
    try (ServerSocket squatter = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Process node = startNode(List.of("--inspect-port=127.0.0.1:" + squatter.getLocalPort()));
      tether.startShim(ShimConfig.pid(tether.relayUri("/agent").toString(),
          tether.agentToken("orders"), "orders", node.pid()));

      String alice = tether.userToken("alice", List.of("orders"));
      try (CdpClient devtools = CdpClient.connect(tether.openSession(alice, "orders"))) {
        Closed closed = devtools.awaitClose(Duration.ofSeconds(20));
        assertThat(closed.code()).isEqualTo(4005);
        assertThat(closed.reason())
            .contains("port " + squatter.getLocalPort() + " is in use by another process");
      }
      assertThat(node.isAlive()).isTrue();
    }
  }

  @Test
  void aProcessThatDoesNotHandleSigusr1IsNeverSignalled() throws Exception {
    tether = TetherStack.start();
    Process sleeper = new ProcessBuilder("sleep", "60").start();
    processes.add(sleeper);
    tether.startShim(ShimConfig.pid(tether.relayUri("/agent").toString(),
        tether.agentToken("orders"), "orders", sleeper.pid()));

    String alice = tether.userToken("alice", List.of("orders"));
    try (CdpClient devtools = CdpClient.connect(tether.openSession(alice, "orders"))) {
      Closed closed = devtools.awaitClose(Duration.ofSeconds(20));
      assertThat(closed.code()).isEqualTo(4005);
      assertThat(closed.reason()).contains("does not handle SIGUSR1");
    }
    assertThat(sleeper.isAlive()).as("SIGUSR1 would have killed it").isTrue();
  }

  /** The sample function as a plain node process (no inspector), serving before it returns. */
  private Process startNode(List<String> nodeFlags) throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    List<String> command = new ArrayList<>(List.of("node"));
    command.addAll(nodeFlags);
    command.add(TetherStack.ROOT.resolve("examples/orders/server.js").toString());
    command.add(String.valueOf(port));
    Process node = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    processes.add(node);
    int serving = port;
    Poll.until(Duration.ofSeconds(20), "node to serve", () -> listening(serving));
    return node;
  }

  private static boolean listening(int port) {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
