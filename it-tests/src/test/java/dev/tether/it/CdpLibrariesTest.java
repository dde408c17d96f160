package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.relay.connect.ConnectConfig;
import dev.tether.relay.connect.LocalEndpoint;
import dev.tether.testkit.cdp.CdpClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The npm package chrome-remote-interface in its default mode (not {@code local: true}): it reads
 * /json/protocol from the host of the URL it is given, so it works against a relay session URL
 * only because the relay answers that as Node does; and it discovers targets on a port.
 */
@Timeout(120)
class CdpLibrariesTest {
  private static final Path CLIENTS = TetherStack.ROOT.resolve("it-tests/cdp-clients");
  @RegisterExtension static final TetherStack tether = TetherStack.perClass();
  private static String alice;

  @BeforeAll
  static void startRelayAndFunction() throws Exception {
    tether.startFunction("orders");
    alice = tether.userToken("alice", List.of("orders"));
  }

  @Test
  void chromeRemoteInterfaceWorksAgainstARelaySessionUrlInItsDefaultMode() throws Exception {
    String url = tether.openSession(alice, "orders").toString();

    JsonNode result = runClient(url);

    assertThat(result.path("error").asText()).isEmpty();
    assertThat(result.path("value").asInt()).isEqualTo(42);
    assertThat(result.path("prepared").asBoolean())
        .as("its API was built from the relay's /json/protocol").isTrue();
  }

  @Test
  void chromeRemoteInterfaceDiscoversAndAttachesThroughTetherConnectsPort() throws Exception {
    try (LocalEndpoint connect = LocalEndpoint.start(new ConnectConfig(tether.relay().uri("/"),
        "orders", null, 0, null, alice, null))) {
      JsonNode result = runClient(String.valueOf(connect.port()));

      assertThat(result.path("error").asText()).isEmpty();
      assertThat(result.path("value").asInt()).isEqualTo(42);
      assertThat(result.path("prepared").asBoolean()).isTrue();
    }
  }

  private static JsonNode runClient(String where) throws IOException, InterruptedException {
    Process node = new ProcessBuilder("node", "cri-evaluate.js", where)
        .directory(CLIENTS.toFile()).redirectErrorStream(true).start();
    assertThat(node.waitFor(60, TimeUnit.SECONDS)).as("the client finishes").isTrue();
    String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    String last = output.substring(output.lastIndexOf('\n') + 1);
    assertThat(last).as(output).startsWith("{");
    return CdpClient.JSON.readTree(last);
  }
}
