package dev.tether.relay.targets;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TargetMessagesTest {
  private static String flattened(String message) {
    return StandardCharsets.UTF_8.decode(TargetMessages.fromTarget(
        message.getBytes(StandardCharsets.UTF_8), "s-1", "i-1", true)).toString();
  }

  @Test
  void aFlattenedMessageGetsItsSessionIdAfterTheOpeningBrace() {
    assertThat(flattened("{\"id\":1,\"result\":{}}"))
        .isEqualTo("{\"sessionId\":\"s-1\",\"id\":1,\"result\":{}}");
    assertThat(flattened("{ }")).isEqualTo("{\"sessionId\":\"s-1\" }");
  }

  @Test
  void aTargetMessageThatIsNoObjectIsCarriedAsAStringInsteadOfBreakingTheTunnel() {
    assertThat(flattened("garbage from a broken shim"))
        .contains("\"method\":\"Target.receivedMessageFromTarget\"")
        .contains("garbage from a broken shim");
  }
}
