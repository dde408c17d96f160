package dev.tether.it.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.relay.config.Limits;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.socket.Closed;
import dev.tether.testkit.socket.HandshakeRefused;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.zip.Deflater;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile browsers and sockets: a foreign Origin, oversize frames and messages, a compressed
 * frame nobody agreed to, a request dribbled in byte by byte. Each is refused with a status or a
 * close code and a reason; the healthy session keeps working.
 */
@Timeout(120)
class HostileConnectionsTest {
  private static final long MAX_MESSAGE = 256 * 1024;
  private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(1);
  private static HostileStack stack;

  @BeforeAll
  static void start() throws Exception {
    stack = HostileStack.start(c -> c.maxMessageBytes(MAX_MESSAGE)
        .limits(Limits.defaults().withSessions(100, 100).withHandshakeTimeout(HANDSHAKE_TIMEOUT)));
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  @AfterEach
  void nothingElseWasHarmed() throws Exception {
    stack.assertHealthy();
  }

  private URI newSession() throws Exception {
    URI url = stack.tether.openSession(stack.alice, "orders");
    stack.secret(url.getPath().substring("/devtools/".length()));
    return url;
  }

  @Test
  void anUpgradeFromAForeignOriginIsRefusedWith403AndAReason() throws Exception {
    URI url = newSession();

    assertThatThrownBy(() -> CdpClient.connect(url, Map.of("Origin", "https://evil.example")))
        .isInstanceOfSatisfying(HandshakeRefused.class, refused -> {
          assertThat(refused.status).isEqualTo(403);
          assertThat(refused.body).contains("origin_not_allowed").contains("consoleOrigins");
        });
    try (CdpClient sameTicket = CdpClient.connect(url)) {
      assertThat(sameTicket.send("Runtime.evaluate", "expression", "1").path("result")
          .path("value").asInt()).as("the refused attempt did not burn the ticket").isEqualTo(1);
    }
  }

  @Test
  void aFrameAnnouncingAnEnormousPayloadIsClosedWith1009AndMemoryStaysFlat() throws Exception {
    long before = usedHeapAfterGc();
    try (RawWebSocket socket = RawWebSocket.connect(newSession(), Map.of(), 0)) {
      assertThat(socket.status).isEqualTo(101);

      socket.announce(RawWebSocket.FIN | RawWebSocket.TEXT, 1L << 40);

      Closed closed = socket.awaitClose(Duration.ofSeconds(10));
      assertThat(closed.code()).isEqualTo(1009);
      assertThat(closed.reason()).isNotBlank();
    }
    assertThat(usedHeapAfterGc() - before).as("heap growth in bytes").isLessThan(32L << 20);
  }

  @Test
  void aMessageLargerThanTheLimitInManyFramesIsClosedWith1009() throws Exception {
    try (RawWebSocket socket = RawWebSocket.connect(newSession(), Map.of(), 0)) {
      byte[] piece = new byte[32 * 1024];
      java.util.Arrays.fill(piece, (byte) 'a');
      socket.sendFrame(RawWebSocket.TEXT, "{\"id\":1,\"method\":\"Runtime.evaluate\",\"x\":\""
          .getBytes(StandardCharsets.US_ASCII));
      Closed closed = null;
      try {
        for (int i = 0; i < 2 * MAX_MESSAGE / piece.length; i++) {
          socket.sendFrame(RawWebSocket.CONTINUATION, piece);
        }
      } catch (java.io.IOException closedWhileSending) {
        // the relay may close before the last frames are out
      }
      closed = socket.awaitClose(Duration.ofSeconds(10));

      assertThat(closed.code()).isEqualTo(1009);
      assertThat(closed.reason()).contains(String.valueOf(MAX_MESSAGE));
    }
  }

  @Test
  void permessageDeflateIsNotNegotiatedAndACompressedBombIsRefusedWith1002() throws Exception {
    try (RawWebSocket socket = RawWebSocket.connect(newSession(),
        Map.of("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"), 0)) {
      assertThat(socket.status).isEqualTo(101);
      assertThat(socket.headers).doesNotContainKey("sec-websocket-extensions");

      socket.sendFrame(RawWebSocket.FIN | RawWebSocket.RSV1 | RawWebSocket.TEXT,
          deflate(new byte[64 << 20])); // 64 MiB of zeros in about 64 KiB

      Closed closed = socket.awaitClose(Duration.ofSeconds(10));
      assertThat(closed.code()).isEqualTo(1002);
      assertThat(closed.reason()).isNotBlank();
    }
  }

  @Test
  void aSlowlorisUpgradeIsClosedWithinTheHandshakeTimeout() throws Exception {
    URI url = newSession();
    byte[] request = ("GET " + url.getRawPath() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Slow: " + "z".repeat(500) + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    long started = System.nanoTime();
    boolean closedByRelay = false;
    try (Socket slowloris = new Socket(url.getHost(), url.getPort())) {
      slowloris.setSoTimeout(50);
      OutputStream out = slowloris.getOutputStream();
      InputStream in = slowloris.getInputStream();
      for (byte b : request) {
        out.write(b);
        out.flush();
        try {
          if (in.read() == -1) {
            closedByRelay = true;
            break;
          }
        } catch (java.net.SocketTimeoutException stillOpen) {
          // nothing yet: keep dribbling
        }
      }
    } catch (java.net.SocketException reset) {
      closedByRelay = true;
    }
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(closedByRelay).as("the relay closed the dribbling connection").isTrue();
    assertThat(took).isLessThan(HANDSHAKE_TIMEOUT.plus(HANDSHAKE_TIMEOUT.dividedBy(4))
        .plusMillis(300));
    try (CdpClient same = CdpClient.connect(url)) {
      assertThat(same.send("Runtime.evaluate", "expression", "2").path("result").path("value")
          .asInt()).as("the ticket was never redeemed by the dribbled request").isEqualTo(2);
    }
  }

  private static byte[] deflate(byte[] data) {
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
    deflater.setInput(data);
    deflater.finish();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    while (!deflater.finished()) {
      out.write(buffer, 0, deflater.deflate(buffer));
    }
    deflater.end();
    return out.toByteArray();
  }

  private static long usedHeapAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    System.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }
}
