package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code ./tether demo} as a newcomer runs it: killed with {@code kill -9} it leaves nothing
 * behind, and it never prints its success banner for a function that did not start.
 */
@Timeout(180)
class DemoTest {
  private static final String BANNER = "Tether demo is running";

  @Test
  void killingTheDemoWithSigkillTakesItsShimAndFunctionWithIt() throws Exception {
    int port = TetherStack.freePort();
    try (ShellScript shell = ShellScript.start("./tether demo --port " + port + "\n")) {
      Poll.until(Duration.ofSeconds(90), "the demo's banner", () -> shell.stdout().contains(BANNER));
      ProcessHandle demo = shell.process().children().findFirst().orElseThrow();
      List<ProcessHandle> left = demo.descendants().toList();
      assertThat(left).as("the shim and node under the demo").hasSizeGreaterThanOrEqualTo(2);

      demo.destroyForcibly(); // kill -9: no shutdown hook runs

      Poll.until(Duration.ofSeconds(30), "the shim and node to exit with the demo",
          () -> left.stream().noneMatch(ProcessHandle::isAlive));
      assertThat(free(port + 1)).as("the function's port is free again").isTrue();
    }
  }

  @Test
  void aDemoWhoseFunctionCannotHaveItsPortRefusesInsteadOfReportingSuccess() throws Exception {
    int port = TetherStack.freePort();
    try (ServerSocket leftover = new ServerSocket()) { // a function an earlier demo left behind
      leftover.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port + 1));
      try (ShellScript shell = ShellScript.start("./tether demo --port " + port + "\n")) {
        assertThat(shell.await(Duration.ofSeconds(90))).isNotZero();
        assertThat(shell.stdout()).doesNotContain(BANNER);
        assertThat(shell.stderr()).contains("port " + (port + 1) + " for the sample function is taken");
      }
    }
  }

  private static boolean free(int port) {
    try (ServerSocket probe = new ServerSocket()) {
      probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
