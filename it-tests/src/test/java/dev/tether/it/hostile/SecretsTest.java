package dev.tether.it.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.protocol.Tunnel;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.tunnel.FakeShim;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * After sessions, refusals, a replayed ticket and a rejected agent, no token or ticket is in any
 * log line (captured at DEBUG) or in any file the relay wrote to its data directory.
 */
@Timeout(120)
class SecretsTest {
  private static HostileStack stack;

  @BeforeAll
  static void start() throws Exception {
    stack = HostileStack.start();
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void noTokenOrTicketIsInAnyLogLineOrAnyFileTheRelayWrote() throws Exception {
    URI url = stack.tether.openSession(stack.alice, "orders");
    stack.secret(url.getPath().substring("/devtools/".length()));
    try (CdpClient devtools = CdpClient.connect(url)) {
      devtools.send("Runtime.evaluate", "expression", "'hello'");
    }
    assertThatThrownBy(() -> CdpClient.connect(url)).isNotNull(); // replayed
    assertThatThrownBy(() -> CdpClient.connect(url, Map.of("Origin", "https://x.example")))
        .isNotNull();
    stack.tether.api("GET", "/api/functions", stack.secret(stack.tether.agentToken("orders")), null);
    stack.tether.api("GET", "/api/functions", stack.secret(stack.alice + "x"), null);
    try (FakeShim impostor = FakeShim.rogue(stack.tether.relayUri(Tunnel.AGENT_PATH),
        stack.secret(stack.tether.agentToken("billing")))) {
      impostor.hello("orders", "i-x");
      impostor.awaitClose(Duration.ofSeconds(10));
    }
    try (RawWebSocket userAtAgent = RawWebSocket.connect(stack.tether.relayUri(Tunnel.AGENT_PATH),
        Map.of("Authorization", "Bearer " + stack.alice), 0)) {
      assertThat(userAtAgent.status).isEqualTo(401);
    }

    stack.assertNoSecretLogged();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(stack.tether.dataDir())) {
      files = walk.filter(Files::isRegularFile).toList();
    }
    assertThat(files).isNotEmpty();
    for (Path file : files) {
      String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
      for (String secret : stack.secrets()) {
        assertThat(content).as(file.toString()).doesNotContain(secret)
            .doesNotContain(secret.substring(secret.lastIndexOf('.') + 1));
      }
    }
  }
}
