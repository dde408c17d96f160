package dev.tether.relay.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.Relay;
import dev.tether.relay.config.Limits;
import dev.tether.relay.config.RelayConfig;
import dev.tether.relay.http.Json;
import dev.tether.relay.testing.TestRelay;
import dev.tether.testkit.Poll;
import dev.tether.testkit.cdp.CdpClient;
import dev.tether.testkit.socket.Closed;
import dev.tether.testkit.socket.HandshakeRefused;
import dev.tether.testkit.tunnel.FakeShim;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Each limit on a real relay with a fake shim: it bites, it explains itself, nothing else hurts. */
@Timeout(60)
class LimitsThroughRelayTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path dataDir;
  private final RecordingListener listener = new RecordingListener();
  private final List<AutoCloseable> open = new ArrayList<>();
  private TestRelay relay;
  private FakeShim agent;
  private String alice;

  private void start(UnaryOperator<Limits> limits, UnaryOperator<RelayConfig.Builder> config)
      throws Exception {
    start(limits, config, System::nanoTime);
  }

  private void start(UnaryOperator<Limits> limits, UnaryOperator<RelayConfig.Builder> config,
      LongSupplier policyClock) throws Exception {
    RelayConfig built = config.apply(RelayConfig.builder().port(0).dataDir(dataDir)
        .limits(limits.apply(Limits.defaults()))).build();
    relay = TestRelay.wrap(
        new Relay(built).policyListener(listener).policyClock(policyClock).start());
    agent = FakeShim.register(relay.agentUri(), relay.agentToken("orders"), "orders", "i-1");
    alice = relay.userToken("alice", "orders");
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    if (agent != null) {
      agent.close();
    }
    if (relay != null) {
      relay.close();
    }
  }

  private JsonNode createSession(String token, String mode) throws Exception {
    HttpResponse<String> response = relay.call("POST", "/api/sessions", token,
        "{\"function\":\"orders\",\"mode\":\"" + mode + "\"}");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return Json.MAPPER.readTree(response.body());
  }

  private CdpClient attach(String token, String mode) throws Exception {
    CdpClient client =
        CdpClient.connect(createSession(token, mode).path("webSocketDebuggerUrl").asText());
    open.add(client);
    return client;
  }

  private static JsonNode json(String text) throws Exception {
    return Json.MAPPER.readTree(text);
  }

  @Test
  void commandsAboveTheRateAreAnsweredWithAnErrorAndTheSessionStaysOpen() throws Exception {
    AtomicLong nanos = new AtomicLong();
    start(l -> l.withRate(5, 5), c -> c, nanos::get);
    CdpClient devtools = attach(alice, "full");

    List<Integer> refused = new ArrayList<>();
    for (int i = 1; i <= 20; i++) {
      devtools.sendText("{\"id\":" + i + ",\"method\":\"Runtime.getHeapUsage\"}");
    }
    for (int i = 1; i <= 20; i++) {
      JsonNode reply = json(devtools.take(WAIT));
      if (reply.has("error")) {
        assertThat(reply.path("error").path("code").asInt()).isEqualTo(-32000);
        assertThat(reply.path("error").path("message").asText()).contains("rate limit");
        refused.add(reply.path("id").asInt());
      }
    }

    assertThat(refused).as("the burst passes, the rest is refused while no time passes")
        .containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(6, 20).boxed().toList());
    assertThat(listener.codes()).containsOnlyOnce(PolicyListener.RATE_LIMITED);
    nanos.addAndGet(Duration.ofMillis(200).toNanos()); // one token's worth at 5 a second
    devtools.sendText("{\"id\":21,\"method\":\"Runtime.getHeapUsage\"}");
    devtools.sendText("{\"id\":22,\"method\":\"Runtime.getHeapUsage\"}");
    JsonNode first = json(devtools.take(WAIT));
    JsonNode second = json(devtools.take(WAIT));
    assertThat(List.of(first, second)).anySatisfy(r -> {
      assertThat(r.path("id").asInt()).isEqualTo(21);
      assertThat(r.has("error")).as("the session works again").isFalse();
    }).anySatisfy(r -> {
      assertThat(r.path("id").asInt()).isEqualTo(22);
      assertThat(r.has("error")).as("and refills at the rate, not faster").isTrue();
    });
  }

  @Test
  void aReadOnlySessionIsAnsweredByTheRelayAndTheTargetNeverSeesTheRefusedCommand()
      throws Exception {
    start(l -> l, c -> c);
    agent.echo(false);
    CdpClient devtools = attach(alice, "readonly");
    agent.take(TunnelMessage.Open.class, WAIT);

    devtools.sendText("{\"id\":1,\"method\":\"Debugger.setScriptSource\",\"params\":"
        + "{\"scriptId\":\"1\",\"scriptSource\":\"evil()\"}}");
    JsonNode refusal = json(devtools.take(WAIT));
    devtools.sendText("{\"id\":2,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"a=1\"}}");
    JsonNode forwarded = json(agent.takeData(WAIT));

    assertThat(refusal.path("id").asInt()).isEqualTo(1);
    assertThat(refusal.path("error").path("message").asText())
        .isEqualTo("Debugger.setScriptSource is not allowed in a read-only session");
    assertThat(forwarded.path("id").asInt()).as("the first thing the target saw").isEqualTo(2);
    assertThat(forwarded.path("params").path("throwOnSideEffect").asBoolean()).isTrue();
    assertThat(forwarded.path("params").path("timeout").asLong()).isEqualTo(5000);
    assertThat(listener.events).anySatisfy(e -> {
      assertThat(e.method()).isEqualTo("Debugger.setScriptSource");
      assertThat(e.code()).isEqualTo(PolicyListener.READ_ONLY);
    });
  }

  @Test
  void aReadOnlyCommandSplitIntoManyFramesIsJudgedWhole() throws Exception {
    start(l -> l, c -> c);
    agent.echo(false);
    CdpClient devtools = attach(alice, "readonly");
    agent.take(TunnelMessage.Open.class, WAIT);
    String command = "{\"id\":5,\"params\":{\"scriptSource\":\"" + "y".repeat(200_000)
        + "\"},\"method\":\"Debugger.setScriptSource\"}";

    devtools.sendText(command); // the relay reads it in 64 KiB frames; method comes last
    devtools.sendText("{\"id\":6,\"method\":\"Runtime.getHeapUsage\"}");

    assertThat(json(devtools.take(WAIT)).path("error").path("message").asText())
        .contains("not allowed in a read-only session");
    assertThat(json(agent.takeData(WAIT)).path("id").asInt())
        .as("the first thing the target saw is the command sent after the refused one")
        .isEqualTo(6);
  }

  @Test
  void anOversizeReadOnlyCommandIsRefusedWithoutClosing() throws Exception {
    start(l -> l, c -> c);
    CdpClient devtools = attach(alice, "readonly");

    devtools.sendText("{\"id\":8,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\""
        + "1+".repeat(700_000) + "1\"}}");
    devtools.sendText("{\"id\":9,\"method\":\"Runtime.getHeapUsage\"}");

    JsonNode refusal = json(devtools.take(WAIT));
    assertThat(refusal.path("id").asInt()).isEqualTo(8);
    assertThat(refusal.path("error").path("message").asText()).contains("larger than");
    assertThat(json(devtools.take(WAIT)).path("id").asInt()).isEqualTo(9);
  }

  @Test
  void aTargetMessageAboveItsLimitClosesOnlyThatSessionWith1009() throws Exception {
    start(l -> l.withMaxTargetMessageBytes(64 * 1024), c -> c);
    agent.echo(false);
    CdpClient big = attach(alice, "full");
    int bigStream = agent.take(TunnelMessage.Open.class, WAIT).stream();
    CdpClient other = attach(alice, "full");
    int otherStream = agent.take(TunnelMessage.Open.class, WAIT).stream();

    agent.push(bigStream, "{\"id\":1,\"result\":{\"scriptSource\":\""
        + "z".repeat(100 * 1024) + "\"}}");

    Closed closed = big.awaitClose(WAIT);
    assertThat(closed.code()).isEqualTo(CloseCodes.MESSAGE_TOO_BIG);
    assertThat(closed.reason()).contains("larger than");
    agent.push(otherStream, "{\"id\":1,\"result\":{}}");
    assertThat(json(other.take(WAIT)).path("id").asInt()).isEqualTo(1);
  }

  @Test
  void aLongPauseIsReportedAndThenResumedByTheRelayWhoseReplyDevToolsNeverSees()
      throws Exception {
    start(l -> l.withPause(Duration.ofMillis(200), Duration.ofMillis(500)), c -> c);
    agent.echo(false);
    CdpClient devtools = attach(alice, "full");
    int stream = agent.take(TunnelMessage.Open.class, WAIT).stream();

    agent.push(stream, "{\"method\":\"Debugger.paused\",\"params\":{\"reason\":\"other\"}}");
    JsonNode resume = json(agent.takeData(WAIT));
    agent.push(stream, "{\"id\":" + resume.path("id").asLong() + ",\"result\":{}}");
    agent.push(stream, "{\"method\":\"Debugger.resumed\",\"params\":{}}");

    assertThat(resume.path("method").asText()).isEqualTo("Debugger.resume");
    assertThat(json(devtools.take(WAIT)).path("method").asText()).isEqualTo("Debugger.paused");
    assertThat(json(devtools.take(WAIT)).path("method").asText())
        .as("the relay's own reply is swallowed").isEqualTo("Debugger.resumed");
    assertThat(listener.codes())
        .containsExactly(PolicyListener.PAUSED_TOO_LONG, PolicyListener.RESUMED_BY_RELAY);
  }

  @Test
  void aPauseThatEndsInTimeIsNeitherReportedNorResumed() throws Exception {
    start(l -> l.withPause(Duration.ofMillis(300), Duration.ofMillis(400)), c -> c);
    agent.echo(false);
    attach(alice, "full");
    int inTime = agent.take(TunnelMessage.Open.class, WAIT).stream();
    JsonNode later = createSession(alice, "full");
    open.add(CdpClient.connect(later.path("webSocketDebuggerUrl").asText()));
    int tooLong = agent.take(TunnelMessage.Open.class, WAIT).stream();

    agent.push(inTime, "{\"method\":\"Debugger.paused\",\"params\":{}}");
    agent.push(inTime, "{\"method\":\"Debugger.resumed\",\"params\":{}}");
    agent.push(tooLong, "{\"method\":\"Debugger.paused\",\"params\":{}}");

    // The second session paused after the first one's pause had ended, with the same limits: any
    // timer the first pause left behind would have fired before the second's.
    assertThat(json(agent.takeData(WAIT)).path("method").asText()).isEqualTo("Debugger.resume");
    Poll.until(WAIT, "the relay to report resuming the later pause",
        () -> listener.codes().contains(PolicyListener.RESUMED_BY_RELAY));
    assertThat(listener.events).extracting(RecordingListener.Event::sessionId)
        .as("only the pause that went on too long was reported and resumed")
        .containsOnly(later.path("sessionId").asText());
    assertThat(listener.codes())
        .containsExactly(PolicyListener.PAUSED_TOO_LONG, PolicyListener.RESUMED_BY_RELAY);
  }

  @Test
  void aClientThatStopsReadingHoldsAtMostItsWindowAndIsClosedWith4008WhileOthersFlow()
      throws Exception {
    start(l -> l.withSlowConsumerTimeout(Duration.ofSeconds(2)), c -> c);
    agent.echo(false);
    JsonNode slowSession = createSession(alice, "full");
    CdpClient slow = CdpClient.connect(slowSession.path("webSocketDebuggerUrl").asText());
    open.add(slow);
    int slowStream = agent.take(TunnelMessage.Open.class, WAIT).stream();
    CdpClient healthy = attach(relay.userToken("bob", "orders"), "full");
    int healthyStream = agent.take(TunnelMessage.Open.class, WAIT).stream();

    slow.stopReading();
    agent.flood(slowStream, 60_000);
    long plateau = Poll.until(WAIT, "the flood to stall", () -> {
      long before = agent.pushedBytes();
      sleep(300);
      return agent.pushedBytes() == before ? before : null;
    });
    long slowest = 0;
    for (int i = 0; i < 20; i++) {
      long started = System.nanoTime();
      agent.push(healthyStream, "{\"id\":" + i + ",\"result\":{}}");
      assertThat(json(healthy.take(WAIT)).path("id").asInt()).isEqualTo(i);
      slowest = Math.max(slowest, System.nanoTime() - started);
    }

    // Everything the agent sent is in the relay or the kernel's socket buffers; the relay grants
    // no more than one window beyond what was written out, so the flood stops short.
    assertThat(plateau).isLessThan(16L * 1024 * 1024);
    assertThat(Duration.ofNanos(slowest)).isLessThan(Duration.ofMillis(500));
    Poll.until(WAIT, "the slow session to be closed", () ->
        listener.codes().contains(PolicyListener.SLOW_CONSUMER));
    slow.resumeReading();
    Closed closed = slow.awaitClose(WAIT);
    assertThat(closed.code()).isEqualTo(CloseCodes.SLOW_CONSUMER);
    assertThat(closed.reason()).contains("did not read");
    agent.push(healthyStream, "{\"id\":100,\"result\":{}}");
    assertThat(json(healthy.take(WAIT)).path("id").asInt()).isEqualTo(100);
  }

  @Test
  void sessionsPerUserAndPerInstanceAreCappedWith429AndAJsonReason() throws Exception {
    start(l -> l.withSessions(2, 3), c -> c);
    String first = createSession(alice, "full").path("sessionId").asText();
    createSession(alice, "full");

    HttpResponse<String> third = relay.call("POST", "/api/sessions", alice,
        "{\"function\":\"orders\"}");
    String bob = relay.userToken("bob", "orders");
    createSession(bob, "full");
    HttpResponse<String> fourthOnInstance = relay.call("POST", "/api/sessions", bob,
        "{\"function\":\"orders\"}");

    assertThat(third.statusCode()).isEqualTo(429);
    assertThat(json(third.body()).path("error").asText()).isEqualTo("too_many_sessions");
    assertThat(json(third.body()).path("message").asText()).contains("DELETE /api/sessions");
    assertThat(fourthOnInstance.statusCode()).isEqualTo(429);
    assertThat(json(fourthOnInstance.body()).path("error").asText()).isEqualTo("instance_busy");
    relay.call("DELETE", "/api/sessions/" + first, alice, null);
    assertThat(relay.call("POST", "/api/sessions", alice, "{\"function\":\"orders\"}")
        .statusCode()).as("a freed place can be taken").isEqualTo(201);
  }

  @Test
  void aSlowlorisRequestIsClosedWithinTheHandshakeTimeoutWhileOthersAreServed()
      throws Exception {
    start(l -> l.withHandshakeTimeout(Duration.ofMillis(800)), c -> c);
    try (Socket slowloris = new Socket("127.0.0.1", relay.relay().port())) {
      slowloris.setSoTimeout(5000);
      OutputStream out = slowloris.getOutputStream();
      InputStream in = slowloris.getInputStream();
      byte[] request = ("GET /devtools/x HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade\r\nX-Padding: " + "a".repeat(200) + "\r\n")
          .getBytes(StandardCharsets.US_ASCII);
      long started = System.nanoTime();
      boolean closed = false;
      for (byte b : request) {
        try {
          out.write(b);
          out.flush();
        } catch (java.io.IOException e) {
          closed = true;
          break;
        }
        if (in.available() > 0 || slowloris.isInputShutdown()) {
          break;
        }
        sleep(20);
        if (Duration.ofNanos(System.nanoTime() - started).toMillis() > 3000) {
          break;
        }
        assertThat(relay.call("GET", "/healthz", null, null).statusCode()).isEqualTo(200);
      }
      if (!closed) {
        assertThat(in.read()).as("the relay closed the connection").isEqualTo(-1);
      }
      assertThat(Duration.ofNanos(System.nanoTime() - started))
          .isLessThan(Duration.ofMillis(800 + 400 + 300));
    }
  }

  @Test
  void aTicketOutlivingItsLifetimeIsRefusedWithAReason() throws Exception {
    start(l -> l, c -> c.ticketTtl(Duration.ofSeconds(1)).clockSkew(Duration.ZERO));
    String url = createSession(alice, "full").path("webSocketDebuggerUrl").asText();

    sleep(2100);

    assertThatThrownBy(() -> CdpClient.connect(url))
        .isInstanceOfSatisfying(HandshakeRefused.class, refused -> {
          assertThat(refused.status).isEqualTo(401);
          assertThat(refused.body).contains("expired");
        });
  }

  @Test
  void aSessionEndsAtItsMaximumDurationWith4002() throws Exception {
    start(l -> l, c -> c.maxSessionDuration(Duration.ofSeconds(1)));
    CdpClient devtools = attach(alice, "full");

    Closed closed = devtools.awaitClose(WAIT);

    assertThat(closed.code()).isEqualTo(CloseCodes.SESSION_EXPIRED);
    assertThat(closed.reason()).contains("maximum duration");
  }

  @Test
  void aSessionNobodyAttachesToExpiresAfterTheIdleTimeout() throws Exception {
    start(l -> l, c -> c.idleTimeout(Duration.ofSeconds(1)));
    String id = createSession(alice, "full").path("sessionId").asText();

    JsonNode ended = Poll.until(WAIT, "the session to expire", () -> {
      try {
        JsonNode s = json(relay.call("GET", "/api/sessions/" + id, alice, null).body());
        return s.path("state").asText().equals("ended") ? s : null;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });

    assertThat(ended.path("endReason").asText()).isEqualTo("expired");
    assertThat(ended.path("endMessage").asText()).contains("no DevTools attached");
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
