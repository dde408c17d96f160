package dev.tether.it.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.protocol.DataFrame;
import dev.tether.protocol.Tunnel;
import dev.tether.testkit.socket.Closed;
import dev.tether.testkit.tunnel.FakeShim;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A validly authenticated agent that misbehaves is disconnected, alone: the real orders instance,
 * its sessions and the relay carry on.
 */
@Timeout(120)
class HostileAgentsTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
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

  @AfterEach
  void nothingElseWasHarmed() throws Exception {
    stack.assertHealthy();
    assertThat(stack.tether.relay().agents().find("orders", stack.orders.instanceId()))
        .as("the real instance is still registered").isPresent();
  }

  private FakeShim rogue(String function, String instance) throws Exception {
    FakeShim rogue = FakeShim.rogue(stack.tether.relayUri(Tunnel.AGENT_PATH),
        stack.secret(stack.tether.agentToken(function)));
    rogue.hello(function, instance);
    assertThat(rogue.awaitWelcome(WAIT)).as("the rogue agent was welcomed").isTrue();
    return rogue;
  }

  @Test
  void garbageBinaryFramesDisconnectOnlyThatAgent() throws Exception {
    try (FakeShim rogue = rogue("orders", "rogue-1")) {
      rogue.sendBinary(new byte[] {1, 2});

      Closed closed = rogue.awaitClose(WAIT);
      assertThat(closed.code()).isEqualTo(1002);
      assertThat(closed.reason()).contains("protocol error");
    }
  }

  @Test
  void garbageTextDisconnectsOnlyThatAgent() throws Exception {
    try (FakeShim rogue = rogue("orders", "rogue-2")) {
      rogue.sendText("{\"type\":\"opened\",\"stream\":\"many\"");

      assertThat(rogue.awaitClose(WAIT).code()).isEqualTo(1002);
    }
  }

  @Test
  void dataForAStreamThatWasNeverOpenedDisconnectsOnlyThatAgent() throws Exception {
    try (FakeShim rogue = rogue("orders", "rogue-3")) {
      rogue.sendBinary(bytes(DataFrame.encode(77, true,
          ByteBuffer.wrap("{\"id\":1,\"result\":{}}".getBytes(StandardCharsets.UTF_8)))));

      Closed closed = rogue.awaitClose(WAIT);
      assertThat(closed.code()).isEqualTo(1002);
      assertThat(closed.reason()).contains("unknown stream 77");
    }
  }

  @Test
  void anAgentTokenForOneFunctionCannotRegisterAsAnother() throws Exception {
    try (FakeShim rogue = FakeShim.rogue(stack.tether.relayUri(Tunnel.AGENT_PATH),
        stack.secret(stack.tether.agentToken("billing")))) {
      rogue.hello("orders", "impostor");

      Closed closed = rogue.awaitClose(WAIT);
      assertThat(closed.code()).isEqualTo(1008);
      assertThat(closed.reason()).contains("'billing'").contains("'orders'");
    }
    assertThat(stack.tether.relay().agents().find("orders", "impostor")).isEmpty();
  }

  @Test
  void anAgentThatNeverSaysHelloIsNotRegistered() throws Exception {
    try (FakeShim rogue = FakeShim.rogue(stack.tether.relayUri(Tunnel.AGENT_PATH),
        stack.secret(stack.tether.agentToken("orders")))) {
      rogue.sendText("{\"type\":\"credit\",\"stream\":1,\"bytes\":1}");

      assertThat(rogue.awaitClose(WAIT).code()).isEqualTo(1002);
    }
    assertThat(stack.tether.relay().agents().instancesOf("orders")).hasSize(1);
  }

  @Test
  void anAgentCannotTakeOverTheSessionsOfAnotherFunctionsInstance() throws Exception {
    List<String> before = stack.tether.relay().sessions().live().stream()
        .map(s -> s.id()).toList();
    try (FakeShim rogue = rogue("billing", stack.orders.instanceId())) {
      assertThat(stack.tether.relay().agents().find("orders", stack.orders.instanceId()))
          .as("the same instance id under another function is another instance").isPresent();
    }
    assertThat(stack.tether.relay().sessions().live().stream().map(s -> s.id()).toList())
        .containsAll(before);
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    return bytes;
  }
}
