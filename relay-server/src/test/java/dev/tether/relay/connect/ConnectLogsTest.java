package dev.tether.relay.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import dev.tether.relay.http.Json;
import dev.tether.relay.testing.TestRelay;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.tunnel.FakeShim;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** tether connect logs its sessions' lifecycle, never the user's token or a session's ticket. */
@Timeout(60)
class ConnectLogsTest {
  @Test
  void sessionsThroughTheLocalPortWithRefusalsLeaveNoTokenOrTicketInAnyLogLine(
      @TempDir Path dir) throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Logger tether = (Logger) LoggerFactory.getLogger("dev.tether");
    Level before = tether.getLevel();
    tether.setLevel(Level.DEBUG);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    root.addAppender(logs);
    try (TestRelay relay = TestRelay.start(dir);
        FakeShim agent = FakeShim.register(relay.agentUri(), relay.agentToken("orders"),
            "orders", "i-1")) {
      relay.awaitInstance("orders", "i-1");
      String user = relay.userToken("alice", "orders");
      try (LocalEndpoint endpoint = LocalEndpoint.start(new ConnectConfig(relay.relay().uri("/"),
              "orders", null, 0, null, user, null));
          LocalEndpoint forged = LocalEndpoint.start(new ConnectConfig(relay.relay().uri("/"),
              "orders", null, 0, null, user + "x", null))) {
        String url = list(endpoint).get(0).path("webSocketDebuggerUrl").asText();
        try (CdpClient debugger = CdpClient.connect(url)) {
          debugger.sendText("{\"id\":1,\"method\":\"Runtime.evaluate\",\"params\":{}}");
          debugger.take(Duration.ofSeconds(10));
          assertThatThrownBy(() -> CdpClient.connect(url, Map.of("Origin", "https://x.example")))
              .isNotNull();
        }
        assertThat(HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(forged.uri("/json/list")).build(),
            HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
      }

      List<String> lines = logs.list.stream().map(ConnectLogsTest::text).toList();
      assertThat(lines).anyMatch(line -> line.contains("debugger attached"));
      String signature = user.substring(user.lastIndexOf('.') + 1);
      // Tokens and tickets are JWTs: their header always starts with eyJ ('{"').
      assertThat(lines).noneMatch(line -> line.contains("eyJ") || line.contains(signature));
    } finally {
      root.detachAppender(logs);
      tether.setLevel(before);
    }
  }

  private static String text(ILoggingEvent event) {
    StringBuilder text = new StringBuilder(event.getFormattedMessage());
    for (IThrowableProxy cause = event.getThrowableProxy(); cause != null; cause = cause.getCause()) {
      text.append(' ').append(cause.getMessage());
    }
    return text.toString();
  }

  private static List<com.fasterxml.jackson.databind.JsonNode> list(LocalEndpoint endpoint)
      throws Exception {
    String body = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(endpoint.uri("/json/list")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    List<com.fasterxml.jackson.databind.JsonNode> targets = new java.util.ArrayList<>();
    Json.MAPPER.readTree(body).forEach(targets::add);
    return targets;
  }
}
