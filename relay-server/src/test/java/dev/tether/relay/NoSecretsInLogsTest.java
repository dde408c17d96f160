package dev.tether.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.relay.http.Json;
import dev.tether.relay.testing.TestRelay;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.tunnel.FakeShim;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

@Timeout(60)
class NoSecretsInLogsTest {
  @Test
  @SuppressWarnings("try") // the resource only has to stay open
  void aWholeSessionWithRefusalsLeavesNoTokenOrTicketInAnyLogLine(@TempDir Path dir)
      throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Logger tether = (Logger) LoggerFactory.getLogger("dev.tether");
    Level before = tether.getLevel();
    tether.setLevel(Level.DEBUG);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    root.addAppender(logs);
    try (TestRelay relay = TestRelay.start(dir)) {
      String agentToken = relay.agentToken("orders");
      String user = relay.userToken("alice", "orders");
      try (FakeShim agent = FakeShim.register(relay.agentUri(), agentToken, "orders", "i-1")) {
        JsonNode session = Json.MAPPER.readTree(
            relay.call("POST", "/api/sessions", user, "{\"function\":\"orders\"}").body());
        String url = session.path("webSocketDebuggerUrl").asText();
        String ticket = url.substring(url.lastIndexOf('/') + 1);
        try (CdpClient devtools = CdpClient.connect(url)) {
          devtools.sendText("{\"id\":1,\"method\":\"Runtime.evaluate\"}");
          devtools.take(Duration.ofSeconds(10));
          assertThatThrownBy(() -> CdpClient.connect(url)).isNotNull();
          assertThatThrownBy(() -> CdpClient.connect(url, Map.of("Origin", "https://x.example")))
              .isNotNull();
        }
        relay.call("GET", "/api/functions", agentToken, null);

        List<String> lines = logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(lines).isNotEmpty();
        for (String secret : List.of(agentToken, user, ticket)) {
          assertThat(lines).noneMatch(line -> line.contains(secret));
          // the signature part alone must not leak either
          String signature = secret.substring(secret.lastIndexOf('.') + 1);
          assertThat(lines).noneMatch(line -> line.contains(signature));
        }
      }
    } finally {
      root.detachAppender(logs);
      tether.setLevel(before);
    }
  }
}
