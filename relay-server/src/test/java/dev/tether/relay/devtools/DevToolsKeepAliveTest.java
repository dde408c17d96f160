package dev.tether.relay.devtools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.relay.config.RelayConfig;
import dev.tether.relay.http.Json;
import dev.tether.relay.testing.TestRelay;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.tunnel.FakeShim;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An idle DevTools tab stays connected: the relay pings it, so neither Jetty's idle timeout (three
 * ping intervals) nor a proxy's closes a socket on which nobody typed anything for hours.
 */
@Timeout(60)
class DevToolsKeepAliveTest {
  private static final Duration KEEP_ALIVE = Duration.ofSeconds(1);

  @Test
  void anIdleDevToolsSocketSurvivesSeveralIdleTimeoutsBecauseTheRelayPingsIt(@TempDir Path dir)
      throws Exception {
    try (TestRelay relay = TestRelay.start(
            RelayConfig.builder().port(0).dataDir(dir).devtoolsKeepAlive(KEEP_ALIVE));
        FakeShim agent = FakeShim.register(
            relay.agentUri(), relay.agentToken("orders"), "orders", "i-1")) {
      String url = Json.MAPPER.readTree(relay.call("POST", "/api/sessions",
              relay.userToken("alice", "orders"), "{\"function\":\"orders\"}").body())
          .path("webSocketDebuggerUrl").asText();
      try (CdpClient devtools = CdpClient.connect(url)) {
        Duration idleTimeout = KEEP_ALIVE.multipliedBy(3); // DevToolsNegotiator.customize
        Duration idle = idleTimeout.multipliedBy(3).plusSeconds(1);

        // Nothing is sent either way for three idle timeouts; the socket must not close.
        assertThatThrownBy(() -> devtools.awaitClose(idle))
            .as("the idle socket stays open for %s", idle)
            .isInstanceOf(AssertionError.class).hasMessageContaining("not closed");

        assertThat(devtools.pings()).as("pings in %s", idle)
            .isGreaterThanOrEqualTo((int) (idle.toSeconds() / KEEP_ALIVE.toSeconds()) - 2);
        String command = "{\"id\":7,\"method\":\"Runtime.evaluate\"}";
        devtools.sendText(command);
        assertThat(devtools.take(Duration.ofSeconds(10))).isEqualTo(command);
      }
    }
  }
}
