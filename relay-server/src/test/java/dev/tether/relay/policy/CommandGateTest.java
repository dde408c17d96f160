package dev.tether.relay.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.protocol.CloseCodes;
import dev.tether.relay.auth.Mode;
import dev.tether.relay.auth.UserId;
import dev.tether.relay.cdp.ReadCommand;
import dev.tether.relay.session.Session;
import dev.tether.relay.session.Sessions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CommandGateTest {
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final RecordingListener listener = new RecordingListener();
  private final List<ReadCommand> read = new ArrayList<>();

  @AfterEach
  void tearDown() {
    scheduler.shutdownNow();
  }

  private CommandGate gate(Mode mode) {
    Session session = new Sessions(scheduler, Clock.systemUTC(), Duration.ofHours(1),
        Duration.ofHours(1)).create(new UserId("https://relay.test", "alice"), "orders", "i-1", mode);
    CommandGate gate = new CommandGate(session,
        mode == Mode.READONLY ? new ReadOnlyPolicy(Duration.ofSeconds(5)) : null, 1024 * 1024,
        new RateLimiter(1000, 1000, 0), listener, () -> 0L, 256);
    gate.onRead(read::add);
    return gate;
  }

  private static ByteBuffer utf8(String text) {
    return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aWellFormedCommandInAFullSessionIsForwardedUntouchedAndReadOnce() {
    String message = "{\"id\":1,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"1\"}}";

    CommandGate.Step step = gate(Mode.FULL).onFrame(utf8(message), true);

    assertThat(step).isInstanceOfSatisfying(CommandGate.Forward.class, forward ->
        assertThat(StandardCharsets.UTF_8.decode(forward.bytes()).toString()).isEqualTo(message));
    assertThat(read).singleElement().satisfies(c -> assertThat(c.method())
        .isEqualTo("Runtime.evaluate"));
  }

  @Test
  void aDuplicateKeyInAFullSessionIsAnsweredWithAnErrorAndNeverForwarded() {
    CommandGate gate = gate(Mode.FULL);

    CommandGate.Step step = gate.onFrame(utf8("{\"id\":3,\"method\":\"Runtime.enable\","
        + "\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"x()\"}}"), true);

    assertThat(step).isInstanceOfSatisfying(CommandGate.Answer.class, answer ->
        assertThat(answer.json()).contains("\"id\":3").contains("-32600")
            .contains("a key appears twice"));
    assertThat(read).isEmpty();
    assertThat(listener.events).singleElement().satisfies(e ->
        assertThat(e.code()).isEqualTo(PolicyListener.MALFORMED));
    assertThat(gate.betweenMessages()).isTrue();
    assertThat(gate.onFrame(utf8("{\"id\":4,\"method\":\"Runtime.enable\"}"), true))
        .as("the next command goes through").isInstanceOf(CommandGate.Forward.class);
  }

  @Test
  void aMessageFoundUnreadableAfterPartOfItWentClosesTheSessionSoItNeverArrivesWhole() {
    CommandGate gate = gate(Mode.FULL);

    CommandGate.Step first = gate.onFrame(utf8("{\"id\":5,\"method\":\"Runtime.evaluate\","
        + "\"params\":{\"expression\":\"1\""), false);
    CommandGate.Step second = gate.onFrame(utf8(",}}"), true);

    assertThat(first).isInstanceOf(CommandGate.Forward.class);
    assertThat(second).isInstanceOfSatisfying(CommandGate.Close.class, close -> {
      assertThat(close.code()).isEqualTo(CloseCodes.POLICY_VIOLATION);
      assertThat(close.reason()).contains("not strict JSON");
    });
    assertThat(read).isEmpty();
  }

  @Test
  void theLastFrameOfAMultiFrameCommandIsOnlyForwardedOnceTheWholeMessageReadWell() {
    CommandGate gate = gate(Mode.FULL);

    gate.onFrame(utf8("{\"id\":6,\"method\":\"Runtime.evaluate\","), false);
    CommandGate.Step last = gate.onFrame(utf8("\"params\":{\"expression\":\"2\"}}"), true);

    assertThat(read).singleElement().satisfies(c -> assertThat(c.code("expression").text())
        .isEqualTo("2"));
    assertThat(last).isInstanceOfSatisfying(CommandGate.Forward.class, f ->
        assertThat(f.fin()).isTrue());
  }

  @Test
  void aReadOnlySessionRefusesTheSameShapesWithTheSameError() {
    CommandGate.Step step = gate(Mode.READONLY).onFrame(
        utf8("{\"id\":9,/**/\"method\":\"Debugger.enable\"}"), true);

    assertThat(step).isInstanceOfSatisfying(CommandGate.Answer.class, answer ->
        assertThat(answer.json()).contains("\"id\":9").contains("-32600"));
  }

  @Test
  void anUnreadableMessageWithoutAnIdClosesTheSession() {
    CommandGate.Step step = gate(Mode.FULL).onFrame(utf8("\uFEFF{\"id\":1,\"method\":\"x\"}"),
        true);

    assertThat(step).isInstanceOfSatisfying(CommandGate.Close.class, close ->
        assertThat(close.reason()).contains("byte order mark"));
  }
}
