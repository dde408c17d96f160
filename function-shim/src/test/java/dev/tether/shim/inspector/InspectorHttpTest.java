package dev.tether.shim.inspector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The shim's one-request HTTP client, against a loopback server that answers as scripted. */
@Timeout(20)
class InspectorHttpTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(3);

  @Test
  void aTwoHundredAnswerGivesItsBodyAsNodeSendsIt() throws Exception {
    String body = "[{\"id\":\"abc\",\"type\":\"node\"}]";
    try (ServerSocket server = server()) {
      CompletableFuture<String> request = answerOnce(server,
          "HTTP/1.0 200 OK\r\nContent-Type: application/json; charset=UTF-8\r\nContent-Length: "
              + body.length() + "\r\n\r\n" + body);

      assertThat(InspectorHttp.get("127.0.0.1", server.getLocalPort(), "/json/list", TIMEOUT))
          .isEqualTo(body);
      assertThat(request.get(5, TimeUnit.SECONDS)).startsWith("GET /json/list HTTP/1.1\r\n");
    }
  }

  @Test
  void anotherStatusIsAnErrorNamingIt() throws Exception {
    try (ServerSocket server = server()) {
      answerOnce(server, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");

      assertThatThrownBy(() ->
          InspectorHttp.get("127.0.0.1", server.getLocalPort(), "/json/version", TIMEOUT))
          .isInstanceOf(IOException.class)
          .hasMessage("/json/version answered HTTP/1.1 404 Not Found");
    }
  }

  @Test
  void aHugeAnnouncedBodyIsRefusedBeforeItIsRead() throws Exception {
    try (ServerSocket server = server()) {
      answerOnce(server, "HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n");

      assertThatThrownBy(() ->
          InspectorHttp.get("127.0.0.1", server.getLocalPort(), "/json/list", TIMEOUT))
          .hasMessageContaining("announced 999999999 bytes");
    }
  }

  @Test
  void anAnswerCutShortIsAnError() throws Exception {
    try (ServerSocket server = server()) {
      answerOnce(server, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n[{\"id\"");

      assertThatThrownBy(() ->
          InspectorHttp.get("127.0.0.1", server.getLocalPort(), "/json/list", TIMEOUT))
          .hasMessage("/json/list: the answer ended early");
    }
  }

  private static ServerSocket server() throws IOException {
    return new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
  }

  /** Accepts one connection, reads the request head, writes {@code answer} and closes. */
  private static CompletableFuture<String> answerOnce(ServerSocket server, String answer) {
    return CompletableFuture.supplyAsync(() -> {
      try (Socket socket = server.accept()) {
        InputStream in = socket.getInputStream();
        StringBuilder request = new StringBuilder();
        while (!request.toString().endsWith("\r\n\r\n")) {
          int b = in.read();
          if (b < 0) {
            break;
          }
          request.append((char) b);
        }
        socket.getOutputStream().write(answer.getBytes(StandardCharsets.UTF_8));
        return request.toString();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
  }
}
