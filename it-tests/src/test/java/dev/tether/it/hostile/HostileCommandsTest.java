package dev.tether.it.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.relay.auth.Mode;
import dev.tether.relay.auth.Role;
import dev.tether.relay.config.Limits;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.cdp.CdpError;
import dev.tether.testkit.socket.Closed;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Commands V8 would run but the relay could read another way (Node's inspector accepts comments,
 * for one), code hidden behind padding, and read-only code that never returns. Each shape would
 * set a global in the function if it ran; the test proves it never did, in full and read-only
 * sessions alike, that the code that did run is in the audit trail with its hash, and that
 * read-only code is stopped; the healthy session on the same instance goes on.
 */
@Timeout(180)
class HostileCommandsTest {
  private static final Duration EVAL_TIMEOUT = Duration.ofSeconds(1);
  private static final AtomicInteger GLOBALS = new AtomicInteger();
  private static HostileStack stack;

  @BeforeAll
  static void start() throws Exception {
    stack = HostileStack.start(c -> c.limits(Limits.defaults().withSessions(100, 100)
        .withReadOnlyEvalTimeout(EVAL_TIMEOUT)));
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

  /**
   * One malformed shape: its bytes, the global it would set, and whether the relay can answer it
   * (its id read before the fault) or must close (a byte order mark, bytes that are not UTF-8).
   */
  record Shape(String name, byte[] bytes, String global, boolean idFirst) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> shapes() {
    List<Shape> shapes = new ArrayList<>();
    shapes.add(text("a block comment", g -> "{\"id\":7,/**/\"method\":\"Runtime.evaluate\","
        + "\"params\":{\"expression\":\"globalThis." + g + "=1\"}}", true));
    shapes.add(text("a line comment", g -> "{\"id\":7,\"method\":\"Runtime.evaluate\",// x\n"
        + "\"params\":{\"expression\":\"globalThis." + g + "=1\"}}", true));
    shapes.add(text("a trailing comma", g -> "{\"id\":7,\"method\":\"Runtime.evaluate\","
        + "\"params\":{\"expression\":\"globalThis." + g + "=1\",}}", true));
    shapes.add(text("single quotes", g -> "{\"id\":7,\"method\":\"Runtime.evaluate\","
        + "'params':{'expression':'globalThis." + g + "=1'}}", true));
    shapes.add(text("a duplicate method", g -> "{\"id\":7,\"method\":\"Runtime.enable\","
        + "\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"globalThis." + g + "=1\"}}",
        true));
    shapes.add(text("a duplicate expression", g -> "{\"id\":7,\"method\":\"Runtime.evaluate\","
        + "\"params\":{\"expression\":\"1\",\"expression\":\"globalThis." + g + "=1\"}}", true));
    shapes.add(text("a byte order mark", g -> "\uFEFF{\"id\":7,\"method\":\"Runtime.evaluate\","
        + "\"params\":{\"expression\":\"globalThis." + g + "=1\"}}", false));
    String g = "pwned" + GLOBALS.incrementAndGet();
    ByteArrayOutputStream invalid = new ByteArrayOutputStream();
    invalid.writeBytes(("{\"id\":7,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":"
        + "\"globalThis." + g + "=1//").getBytes(StandardCharsets.UTF_8));
    invalid.writeBytes(new byte[] {(byte) 0xC1, (byte) 0xA5, (byte) 0xFF});
    invalid.writeBytes("\"}}".getBytes(StandardCharsets.UTF_8));
    shapes.add(new Shape("invalid UTF-8", invalid.toByteArray(), g, false));
    List<Arguments> arguments = new ArrayList<>();
    for (Mode mode : Mode.values()) {
      for (Shape shape : shapes) {
        arguments.add(Arguments.of(mode, shape));
      }
    }
    return arguments.stream();
  }

  private static Shape text(String name, java.util.function.Function<String, String> message,
      boolean idFirst) {
    String global = "pwned" + GLOBALS.incrementAndGet();
    return new Shape(name, message.apply(global).getBytes(StandardCharsets.UTF_8), global, idFirst);
  }

  private URI session(Mode mode) throws Exception {
    HttpResponse<String> response = stack.tether.api("POST", "/api/sessions", stack.alice,
        "{\"function\":\"orders\",\"mode\":\"" + mode.claim() + "\"}");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    URI url = URI.create(CdpClient.JSON.readTree(response.body()).path("webSocketDebuggerUrl")
        .asText());
    stack.secret(url.getPath().substring("/devtools/".length()));
    return url;
  }

  private static JsonNode nextText(RawWebSocket socket) throws Exception {
    while (true) {
      RawWebSocket.Frame frame = socket.readFrame();
      if (frame.opcode() == RawWebSocket.TEXT) {
        return CdpClient.JSON.readTree(frame.payload());
      }
      assertThat(frame.opcode()).as("a close instead of an answer: %s", frame.text())
          .isNotEqualTo(RawWebSocket.CLOSE);
    }
  }

  private static String typeOf(CdpClient client, String global) {
    return client.send("Runtime.evaluate", "expression", "typeof globalThis." + global)
        .path("result").path("value").asText();
  }

  @ParameterizedTest(name = "{0} session, {1}")
  @MethodSource("shapes")
  void aMessageV8CouldReadAnotherWayIsRefusedAndNeverRuns(Mode mode, Shape shape)
      throws Exception {
    try (RawWebSocket socket = RawWebSocket.connect(session(mode), Map.of(), 0);
        CdpClient witness = CdpClient.connect(session(Mode.FULL))) {
      socket.sendFrame(RawWebSocket.FIN | RawWebSocket.TEXT, shape.bytes());

      if (shape.idFirst()) {
        JsonNode reply = nextText(socket);
        assertThat(reply.path("id").asInt()).isEqualTo(7);
        assertThat(reply.path("error").path("code").asInt()).isEqualTo(-32600);
        assertThat(reply.path("error").path("message").asText())
            .startsWith("the relay refused this message because");
        socket.sendText("{\"id\":8,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":"
            + "\"40+2\"}}");
        assertThat(nextText(socket).path("result").path("result").path("value").asInt())
            .as("the same session goes on after the refusal").isEqualTo(42);
      } else {
        Closed closed = socket.awaitClose(Duration.ofSeconds(10));
        assertThat(closed.code()).isEqualTo(1008);
        assertThat(closed.reason()).containsAnyOf("byte order mark", "UTF-8");
      }
      assertThat(typeOf(witness, shape.global())).as("the code never ran").isEqualTo("undefined");
    }
  }

  @Test
  void codeAfterAKibOfPaddingRunsOnlyRecordedWithItsHash() throws Exception {
    String code = "globalThis.padded = 'ran'; /* " + "z".repeat(3000) + " */";
    try (CdpClient client = CdpClient.connect(session(Mode.FULL))) {
      client.send("Runtime.evaluate", CdpClient.params("pad", "p".repeat(1100),
          "expression", code), Duration.ofSeconds(10));
      assertThat(typeOf(client, "padded")).isEqualTo("string");
    }
    String sha = HexFormat.of().formatHex(
        MessageDigest.getInstance("SHA-256").digest(code.getBytes(StandardCharsets.UTF_8)));

    assertThat(stack.tether.relay().audit().flush(Duration.ofSeconds(10))).isTrue();
    String admin = stack.secret(stack.tether.relay().tokenIssuer().userToken("carol", Role.ADMIN,
        List.of(), EnumSet.allOf(Mode.class), Duration.ofHours(1)));
    HttpResponse<String> response =
        stack.tether.api("GET", "/api/admin/audit?type=cdp.command", admin, null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<JsonNode> matching = new ArrayList<>();
    CdpClient.JSON.readTree(response.body()).path("events").forEach(event -> {
      if (sha.equals(event.path("details").path("code.expression.sha256").asText())) {
        matching.add(event);
      }
    });
    assertThat(matching).singleElement().satisfies(event -> {
      JsonNode details = event.path("details");
      assertThat(details.path("code.expression").asText()).startsWith("globalThis.padded = 'ran'");
      assertThat(details.path("code.expression.length").asLong()).isEqualTo(code.length());
      assertThat(details.path("code.expression.cut").asBoolean()).isTrue();
    });
  }

  @Test
  void aReadOnlyLoopEndsWithinTheTimeoutAndTheFunctionServesAgain() throws Exception {
    try (CdpClient reader = CdpClient.connect(session(Mode.READONLY))) {
      String global = reader.send("Runtime.evaluate", "expression", "globalThis")
          .path("result").path("objectId").asText();
      assertThat(refusal(reader.sendAsync("Runtime.callFunctionOn", CdpClient.params("objectId",
          global, "functionDeclaration", "function(){for(;;){}}"))))
          .as("a call nothing could stop is refused").contains("not allowed in a read-only");
      long started = System.nanoTime();

      String answer = refusal(reader.sendAsync("Runtime.evaluate",
          CdpClient.params("expression", "for(;;){}", "timeout", 600_000)));

      assertThat(Duration.ofNanos(System.nanoTime() - started)).as("ended by the forced timeout")
          .isLessThan(EVAL_TIMEOUT.plusSeconds(4));
      assertThat(answer).contains("Execution was terminated");
      assertThat(stack.orders.invoke("{}").get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aReadOnlySessionThatLeavesWithItsLoopRunningLeavesNothingRunning() throws Exception {
    CdpClient reader = CdpClient.connect(session(Mode.READONLY));
    reader.sendAsync("Runtime.evaluate", CdpClient.params("expression", "for(;;){}"));
    reader.close();
    long left = System.nanoTime();

    assertThat(stack.orders.invoke("{}").get(15, TimeUnit.SECONDS).statusCode())
        .as("the function serves again").isEqualTo(200);
    assertThat(Duration.ofNanos(System.nanoTime() - left)).isLessThan(EVAL_TIMEOUT.plusSeconds(4));
  }

  /** The CDP error a command got, as text (a reply without error fails the test). */
  private static String refusal(CompletableFuture<JsonNode> reply) throws Exception {
    try {
      JsonNode result = reply.get(20, TimeUnit.SECONDS);
      throw new AssertionError("expected an error, got " + result);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof CdpError error) {
        return error.error.toString();
      }
      throw e;
    }
  }
}
