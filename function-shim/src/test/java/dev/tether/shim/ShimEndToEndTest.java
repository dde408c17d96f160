package dev.tether.shim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.Target;
import dev.tether.protocol.TunnelMessage;
import dev.tether.shim.tunnel.Backoff;
import dev.tether.testkit.socket.Closed;
import dev.tether.testkit.tunnel.FakeRelay;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A real {@code node} wrapped by a real shim, tethered to a {@link FakeRelay}. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ShimEndToEndTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String IDLE_FUNCTION = "setInterval(() => {}, 1000)";
  private static final Backoff FAST = new Backoff(Duration.ofMillis(20), Duration.ofMillis(200));

  private FakeRelay relay;
  private final List<AutoCloseable> closeLater = new ArrayList<>();

  @BeforeEach
  void startRelay() throws Exception {
    relay = FakeRelay.start();
  }

  @AfterEach
  void stopEverything() throws Exception {
    for (AutoCloseable closeable : closeLater) {
      closeable.close();
    }
    relay.close();
  }

  private Shim wrap(String script) throws IOException {
    ShimConfig config =
        ShimConfig.wrap(relay.url(), "agent-token-1", "orders", List.of("node", "-e", script))
            .withBackoff(FAST);
    Shim shim = Shim.start(config);
    closeLater.add(shim);
    return shim;
  }

  private static String evaluate(long id, String expression) {
    return "{\"id\":" + id + ",\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\""
        + expression + "\"}}";
  }

  @Test
  void aWrappedFunctionRegistersWithItsTargetsButNeverItsInspectorUrl() throws Exception {
    Shim shim = wrap(IDLE_FUNCTION);

    TunnelMessage.Hello hello = relay.takeHello(WAIT);

    assertThat(relay.takeAuthorization(WAIT)).isEqualTo("Bearer agent-token-1");
    assertThat(hello.function()).isEqualTo("orders");
    assertThat(hello.instance()).isEqualTo(shim.instanceId());
    assertThat(hello.runtime()).startsWith("node v");
    assertThat(hello.capabilities()).contains("credit");
    assertThat(hello.targets()).hasSize(1);
    Target target = hello.targets().get(0);
    assertThat(target.type()).isEqualTo("node");
    assertThat(target.toString()).doesNotContain("ws://").doesNotContain("127.0.0.1");
    assertThat(shim.awaitRegistered(WAIT)).isTrue();
  }

  @Test
  void aDevToolsCommandGetsItsReplyFromNode() throws Exception {
    wrap(IDLE_FUNCTION);
    String target = relay.takeHello(WAIT).targets().get(0).id();

    TunnelMessage.Opened opened = relay.open(1, target, WAIT);
    relay.sendCdp(1, evaluate(1, "6*7"), WAIT);

    assertThat(opened.window()).isPositive();
    assertThat(relay.takeReply(1, 1, WAIT)).contains("\"value\":42");
  }

  @Test
  void fiveMegabytesPassBothWays() throws Exception {
    wrap(IDLE_FUNCTION);
    String target = relay.takeHello(WAIT).targets().get(0).id();
    relay.open(1, target, WAIT);

    relay.sendCdp(1, evaluate(2, "'x'.repeat(5e6)"), WAIT);
    String big = relay.takeReply(1, 2, WAIT);
    relay.sendCdp(1, evaluate(3, "'" + "y".repeat(5_000_000) + "'.length"), WAIT);
    String length = relay.takeReply(1, 3, WAIT);

    assertThat(big.length()).isGreaterThan(5_000_000);
    assertThat(big).contains("x".repeat(1000));
    assertThat(length).contains("\"value\":5000000");
  }

  @Test
  void twoSessionsOnOneInstanceSeeOnlyTheirOwnReplies() throws Exception {
    wrap(IDLE_FUNCTION);
    String target = relay.takeHello(WAIT).targets().get(0).id();
    relay.open(1, target, WAIT);
    relay.open(2, target, WAIT);

    relay.sendCdp(1, evaluate(7, "'one'"), WAIT);
    relay.sendCdp(2, evaluate(7, "'two'"), WAIT);

    assertThat(relay.takeReply(1, 7, WAIT)).contains("\"value\":\"one\"");
    assertThat(relay.takeReply(2, 7, WAIT)).contains("\"value\":\"two\"");
  }

  @Test
  void theWrappedProcessExitCodeIsPassedThroughAndTheTunnelClosesCleanly() throws Exception {
    Shim shim = wrap("setTimeout(() => process.exit(3), 500)");
    relay.takeHello(WAIT);

    int code = shim.childExit().get(WAIT.toSeconds(), TimeUnit.SECONDS);

    assertThat(code).isEqualTo(3);
    Closed tunnelClose = relay.takeTunnelClose(WAIT);
    assertThat(tunnelClose.code()).isEqualTo(1000);
    assertThat(tunnelClose.reason()).isEqualTo("the function exited");
  }

  @Test
  void aFunctionExitingDuringASessionWaitsForTheDebuggerUntilTheRelayClosesTheStream()
      throws Exception {
    // Node's own rule: with a session attached, process.exit waits for the debugger to leave.
    Shim shim = wrap("setTimeout(() => process.exit(4), 300)");
    String target = relay.takeHello(WAIT).targets().get(0).id();
    relay.open(1, target, WAIT);
    relay.sendCdp(1, "{\"id\":1,\"method\":\"Runtime.enable\"}", WAIT);
    String destroyed = relay.takeCdp(1, WAIT);
    while (!destroyed.contains("Runtime.executionContextDestroyed")) {
      destroyed = relay.takeCdp(1, WAIT);
    }

    relay.send(new TunnelMessage.Close(1, CloseCodes.SESSION_ENDED, "the developer left"));

    assertThat(shim.childExit().get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(4);
  }

  @Test
  void aFunctionKilledBySignalExitsWith128PlusTheSignalAndTheTunnelSaysTheFunctionExited()
      throws Exception {
    Shim shim = wrap(IDLE_FUNCTION);
    String target = relay.takeHello(WAIT).targets().get(0).id();
    relay.open(1, target, WAIT);

    shim.child().signal("KILL");

    assertThat(shim.childExit().get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(128 + 9);
    // The inspector's socket may or may not close the stream first; the tunnel's close frame is
    // what tells the relay to end every session of the instance.
    Closed tunnelClose = relay.takeTunnelClose(WAIT);
    assertThat(tunnelClose.code()).isEqualTo(CloseCodes.NORMAL);
    assertThat(tunnelClose.reason()).isEqualTo("the function exited");
  }

  @Test
  void aSessionOnAnUnknownTargetIsClosedWithAReadableReason() throws Exception {
    wrap(IDLE_FUNCTION);
    relay.takeHello(WAIT);

    relay.send(new TunnelMessage.Open(5, "no-such-target", "s5", FakeRelay.OPEN_WINDOW));

    TunnelMessage answer = relay.takeControl(WAIT);
    assertThat(answer).isInstanceOf(TunnelMessage.Close.class);
    TunnelMessage.Close close = (TunnelMessage.Close) answer;
    assertThat(close.stream()).isEqualTo(5);
    assertThat(close.code()).isEqualTo(CloseCodes.TARGET_GONE);
    assertThat(close.reason()).contains("no-such-target");
  }

  @Test
  void garbageFromTheRelayIsIgnoredAndTheShimKeepsServing() throws Exception {
    wrap(IDLE_FUNCTION);
    String target = relay.takeHello(WAIT).targets().get(0).id();
    relay.open(1, target, WAIT);

    relay.sendRaw(new TextWebSocketFrame("{not json"));
    relay.sendRaw(new TextWebSocketFrame("{\"type\":\"warp-drive\"}"));
    relay.sendRaw(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {0, 0})));
    relay.sendRaw(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 99, 1, '{', '}'})));
    relay.send(new TunnelMessage.Credit(77, 1000));
    relay.send(new TunnelMessage.Close(78, 1000, "never opened"));
    relay.sendCdp(1, evaluate(9, "1+1"), WAIT);

    assertThat(relay.takeReply(1, 9, WAIT)).contains("\"value\":2");
  }

  @Test
  void theShimReconnectsAndSaysHelloAgainWhenTheTunnelDrops() throws Exception {
    Shim shim = wrap(IDLE_FUNCTION);
    TunnelMessage.Hello first = relay.takeHello(WAIT);
    assertThat(shim.awaitRegistered(WAIT)).isTrue();

    relay.dropTunnel();

    TunnelMessage.Hello second = relay.takeHello(WAIT);
    assertThat(second.instance()).isEqualTo(first.instance());
    assertThat(shim.awaitRegistered(WAIT)).isTrue();
    String target = second.targets().get(0).id();
    relay.open(1, target, WAIT);
    relay.sendCdp(1, evaluate(1, "40+2"), WAIT);
    assertThat(relay.takeReply(1, 1, WAIT)).contains("\"value\":42");
  }

  @Test
  void theShimResumesWithTheSecretOfItsWelcomeAndNeverBefore() throws Exception {
    Shim shim = wrap(IDLE_FUNCTION);
    TunnelMessage.Hello first = relay.takeHello(WAIT);
    assertThat(shim.awaitRegistered(WAIT)).isTrue();

    relay.dropTunnel();

    TunnelMessage.Hello second = relay.takeHello(WAIT);
    assertThat(first.resume()).isFalse();
    assertThat(first.resumeSecret()).as("nothing to prove before a welcome").isNull();
    assertThat(second.resume()).isTrue();
    assertThat(second.resumeSecret()).isEqualTo(relay.secretFor(first.instance()));
  }

  @Test
  void theShimAlwaysShowsTheSecretOfItsLatestWelcome() throws Exception {
    Shim shim = wrap(IDLE_FUNCTION);
    String instance = relay.takeHello(WAIT).instance();
    assertThat(shim.awaitRegistered(WAIT)).isTrue();
    String first = relay.secretFor(instance);
    relay.forgetSecrets(); // the relay restarts: the next welcome hands out a new secret

    relay.dropTunnel();
    assertThat(relay.takeHello(WAIT).resumeSecret()).isEqualTo(first);
    String second = relay.secretFor(instance);
    assertThat(shim.awaitRegistered(WAIT)).as("welcomed again, with the new secret").isTrue();
    relay.dropTunnel();

    assertThat(second).isNotEqualTo(first);
    assertThat(relay.takeHello(WAIT).resumeSecret()).isEqualTo(second);
  }

  @Test
  void aRefusedUpgradeLeavesTheFunctionRunningAndTheShimRetrying() throws Exception {
    relay.refuseWith(HttpResponseStatus.UNAUTHORIZED);
    Shim shim = wrap(IDLE_FUNCTION);

    relay.takeAuthorization(WAIT);
    relay.takeAuthorization(WAIT);

    assertThat(shim.awaitRegistered(Duration.ofMillis(200))).isFalse();
    assertThat(shim.childExit()).isNotDone();
  }

  @Test
  void anUnreachableRelayNeverStopsTheFunction() throws Exception {
    int closedPort = freePort();
    ShimConfig config =
        ShimConfig.wrap(
                "http://127.0.0.1:" + closedPort, "t", "orders",
                List.of("node", "-e", "setTimeout(() => process.exit(0), 1000)"))
            .withBackoff(FAST);
    try (Shim shim = Shim.start(config)) {
      assertThat(shim.childExit().get(WAIT.toSeconds(), TimeUnit.SECONDS)).isZero();
    }
  }

  @Test
  void attachModeTethersAnInspectorThatIsAlreadyRunning() throws Exception {
    int port = freePort();
    Process node =
        new ProcessBuilder("node", "--inspect=127.0.0.1:" + port, "-e", IDLE_FUNCTION)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    closeLater.add(node::destroyForcibly);
    ShimConfig config =
        ShimConfig.attach(relay.url(), "t", "orders", "127.0.0.1:" + port).withBackoff(FAST);
    Shim shim = Shim.start(config);
    closeLater.add(0, shim);

    String target = relay.takeHello(WAIT).targets().get(0).id();
    relay.open(1, target, WAIT);
    relay.sendCdp(1, evaluate(1, "process.pid"), WAIT);

    assertThat(relay.takeReply(1, 1, WAIT)).contains("\"value\":" + node.pid());
  }

  @Test
  void withSeveralRelaysTheShimSkipsADeadOneAndMovesOnWhenItsRelayGoes() throws Exception {
    int deadPort = freePort();
    FakeRelay second = FakeRelay.start();
    closeLater.add(second);
    ShimConfig config =
        ShimConfig.wrap("ws://127.0.0.1:" + deadPort + "," + relay.url() + "," + second.url(),
                "agent-token-1", "orders", List.of("node", "-e", IDLE_FUNCTION))
            .withBackoff(FAST);
    Shim shim = Shim.start(config);
    closeLater.add(0, shim);

    String instance = relay.takeHello(WAIT).instance();
    assertThat(shim.awaitRegistered(WAIT)).isTrue();
    relay.close(); // the node of the cluster holding the tunnel goes away

    TunnelMessage.Hello again = second.takeHello(WAIT);
    assertThat(again.instance()).isEqualTo(instance);
    assertThat(shim.awaitRegistered(WAIT)).isTrue();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
