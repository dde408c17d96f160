package dev.tether.relay.devtools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.relay.audit.AuditCode;
import dev.tether.relay.audit.AuditEvent;
import dev.tether.relay.audit.AuditSink;
import dev.tether.relay.auth.Mode;
import dev.tether.relay.auth.UserId;
import dev.tether.relay.cdp.CdpCommands;
import dev.tether.relay.cdp.CommandReader;
import dev.tether.relay.cdp.ReadCommand;
import dev.tether.relay.session.Session;
import dev.tether.relay.session.Sessions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CommandAuditTest {
  private final List<AuditEvent> events = new CopyOnWriteArrayList<>();
  private ScheduledExecutorService scheduler;
  private CommandAudit audit;

  @BeforeEach
  void setUp() {
    scheduler = Executors.newSingleThreadScheduledExecutor();
    Session session = new Sessions(scheduler, Clock.systemUTC(), Duration.ofHours(1),
        Duration.ofHours(1))
        .create(new UserId("https://relay.test", "alice"), "orders", "i-1", Mode.FULL);
    audit = new CommandAudit(events::add, session, "10.0.0.7", Clock.systemUTC());
  }

  @AfterEach
  void tearDown() {
    scheduler.shutdownNow();
  }

  /** Reads the message as the gate does (40 characters of text kept) and hands it to the audit. */
  private void send(String message) {
    sendInFrames(message, Integer.MAX_VALUE);
  }

  /** Sends one message split into frames of {@code size} bytes. */
  private void sendInFrames(String message, int size) {
    byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
    CommandReader reader = new CommandReader(40, CdpCommands::captures);
    for (int i = 0; i < bytes.length; i += size) {
      int end = (int) Math.min(bytes.length, (long) i + size);
      if (!reader.feed(ByteBuffer.wrap(bytes, i, end - i).slice())) {
        return; // refused: never reaches the audit as a command
      }
    }
    ReadCommand command = reader.finish();
    if (command != null) {
      audit.record(command);
    }
  }

  @Test
  void runtimeEvaluateIsRecordedWithItsArgumentsTruncated() {
    send("{\"id\":7,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"process.env."
        + "SECRET_KEY + 'x'.repeat(1000)\",\"includeCommandLineAPI\":true}}");

    assertThat(events).hasSize(1);
    AuditEvent event = events.get(0);
    assertThat(event.code()).isEqualTo(AuditCode.CDP_COMMAND);
    assertThat(event.actor()).isEqualTo("alice");
    assertThat(event.remote()).isEqualTo("10.0.0.7");
    assertThat(event.details()).containsEntry("method", "Runtime.evaluate")
        .containsEntry("id", 7L).containsEntry("truncated", true)
        .containsEntry("code.expression.cut", true)
        .containsEntry("code.expression.length", 41L);
    assertThat((String) event.details().get("code.expression"))
        .isEqualTo("process.env.SECRET_KEY + 'x'.repeat(1000)".substring(0, 40));
    assertThat((String) event.details().get("code.expression.sha256")).hasSize(64);
    assertThat((String) event.details().get("params"))
        .startsWith("{\"expression\":\"process.env.SECRET_KEY").hasSize(41).endsWith("…");
  }

  @Test
  void aCommandSplitAcrossFramesIsCapturedWhole() {
    sendInFrames("{\"id\":1,\"method\":\"Runtime.callFunctionOn\",\"params\":{\"a\":1}}", 7);

    assertThat(events).singleElement().satisfies(e ->
        assertThat(e.details()).containsEntry("params", "{\"a\":1}")
            .containsEntry("truncated", false));
  }

  @Test
  void aBreakpointIsRecordedOnlyWhenItHasACondition() {
    send("{\"id\":1,\"method\":\"Debugger.setBreakpointByUrl\",\"params\":{\"lineNumber\":3,"
        + "\"url\":\"file:///a.js\",\"condition\":\"\"}}");
    send("{\"id\":2,\"method\":\"Debugger.setBreakpointByUrl\",\"params\":{\"lineNumber\":3,"
        + "\"url\":\"file:///a.js\"}}");
    send("{\"id\":3,\"method\":\"Debugger.setBreakpointByUrl\",\"params\":{\"lineNumber\":3,"
        + "\"condition\":\"(x=1)\"}}");

    assertThat(events).singleElement().satisfies(e -> {
      assertThat(e.details()).containsEntry("id", 3L).containsEntry("code.condition", "(x=1)");
    });
  }

  @Test
  void commandsThatDoNotRunCodeAreNotRecorded() {
    send("{\"id\":1,\"method\":\"Debugger.resume\",\"params\":{}}");
    send("{\"id\":2,\"method\":\"Runtime.enable\"}");
    send("not json");

    assertThat(events).isEmpty();
  }

  @Test
  void aHeapSnapshotWithoutParamsIsRecorded() {
    send("{\"id\":9,\"method\":\"HeapProfiler.takeHeapSnapshot\"}");

    assertThat(events).singleElement().satisfies(e ->
        assertThat(e.details()).containsEntry("params", "{}"));
  }

  @Test
  void aCommandWhoseMethodHidesBehindHugeArgumentsIsRecordedWithItsCode() {
    String huge = "x".repeat(200 * 1024);
    sendInFrames("{\"id\":4,\"params\":{\"expression\":\"" + huge + "\"},\"method\":"
        + "\"Runtime.evaluate\"}", 16 * 1024);

    assertThat(events).singleElement().satisfies(e -> {
      assertThat(e.code()).isEqualTo(AuditCode.CDP_COMMAND);
      assertThat(e.details()).containsEntry("method", "Runtime.evaluate")
          .containsEntry("code.expression.length", (long) huge.length())
          .doesNotContainKey("params");
    });
  }

  @Test
  void aConditionAfterAKibOfPaddingIsRecorded() {
    send("{\"id\":5,\"method\":\"Debugger.setBreakpointByUrl\",\"params\":{\"url\":\""
        + "p".repeat(1100) + "\",\"lineNumber\":1,\"condition\":\"process.exit(1)\"}}");

    assertThat(events).singleElement().satisfies(e ->
        assertThat(e.details()).containsEntry("code.condition", "process.exit(1)"));
  }

  @Test
  void aCommandOnAWorkerIsRecordedWithTheMessageItCarries() {
    send("{\"id\":6,\"method\":\"NodeWorker.sendMessageToWorker\",\"params\":{\"sessionId\":"
        + "\"w1\",\"message\":\"{\\\"id\\\":1,\\\"method\\\":\\\"Runtime.evaluate\\\"}\"}}");

    assertThat(events).singleElement().satisfies(e ->
        assertThat((String) e.details().get("code.message")).contains("Runtime.evaluate"));
  }

  @Test
  void aSmallEvaluateIsMadeIntoItsEventLaterWithTheSameDetailsAndTheTimeItWasRead() {
    String message = "{\"id\":9,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":"
        + "\"orders.length\",\"objectGroup\":\"console\"}}";
    List<Supplier<AuditEvent>> later = new CopyOnWriteArrayList<>();
    Session session = new Sessions(scheduler, Clock.systemUTC(), Duration.ofHours(1),
        Duration.ofHours(1))
        .create(new UserId("https://relay.test", "alice"), "orders", "i-1", Mode.FULL);
    CommandAudit deferring = new CommandAudit(new AuditSink() {
      @Override
      public void record(AuditEvent event) {
        events.add(event);
      }

      @Override
      public void recordLater(Supplier<AuditEvent> event) {
        later.add(event);
      }
    }, session, "10.0.0.7", Clock.systemUTC());
    byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
    CommandReader reader =
        new CommandReader(400, CdpCommands::captures, CdpCommands::auditDetailsLater);
    reader.next(bytes.length);
    reader.feed(ByteBuffer.wrap(bytes));
    ReadCommand command = reader.finish();

    deferring.record(command);
    Instant recorded = Instant.now();

    assertThat(events).isEmpty();
    assertThat(later).hasSize(1);
    AuditEvent made = later.get(0).get(); // as the audit's writer makes it, after the fact
    CommandReader full = new CommandReader(400, CdpCommands::captures);
    full.feed(ByteBuffer.wrap(bytes));
    deferring.record(full.finish());
    AuditEvent direct = events.get(0);
    assertThat(made.details()).isEqualTo(direct.details())
        .containsEntry("code.expression", "orders.length")
        .containsKey("code.expression.sha256")
        .containsEntry("params", "{\"expression\":\"orders.length\",\"objectGroup\":\"console\"}");
    assertThat(made.time()).as("the time it was read, not made").isBeforeOrEqualTo(recorded);
  }
}
