package dev.tether.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplayBufferTest {
  private final List<String> released = new ArrayList<>();
  private final ReplayBuffer<String> buffer = new ReplayBuffer<>(released::add);

  @Test
  void framesAreKeptUntilTheOtherSideAcknowledgesThem() throws Exception {
    buffer.add("a");
    buffer.add("b");
    buffer.add("c");

    buffer.ack(2);

    assertThat(released).containsExactly("a", "b");
    assertThat(buffer.size()).isEqualTo(1);
    assertThat(buffer.acked()).isEqualTo(2);
    assertThat(buffer.sent()).isEqualTo(3);
  }

  @Test
  void aResumeSendsAgainExactlyWhatTheOtherSideMissedInOrder() throws Exception {
    for (String frame : List.of("a", "b", "c", "d")) {
      buffer.add(frame);
    }
    buffer.ack(1);

    assertThat(buffer.resumeAfter(2)).containsExactly("c", "d");
    assertThat(released).containsExactly("a", "b");
    assertThat(buffer.size()).as("replayed frames stay until acknowledged").isEqualTo(2);
  }

  @Test
  void anOlderAcknowledgementChangesNothing() throws Exception {
    buffer.add("a");
    buffer.add("b");
    buffer.ack(2);

    buffer.ack(1);

    assertThat(released).containsExactly("a", "b");
    assertThat(buffer.acked()).isEqualTo(2);
  }

  @Test
  void acknowledgingFramesNeverSentIsAProtocolError() {
    buffer.add("a");

    assertThatThrownBy(() -> buffer.ack(2))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("acknowledged 2 data frames of a stream that sent 1");
  }

  @Test
  void itIsFullAtTheUnacknowledgedFrameLimitAndNotBefore() throws Exception {
    for (int i = 0; i < Tunnel.MAX_UNACKED_FRAMES - 1; i++) {
      buffer.add("f" + i);
    }
    assertThat(buffer.full()).isFalse();

    buffer.add("last");
    assertThat(buffer.full()).isTrue();

    buffer.ack(1);
    assertThat(buffer.full()).isFalse();
  }

  @Test
  void clearingReleasesEveryFrame() {
    buffer.add("a");
    buffer.add("b");

    buffer.clear();

    assertThat(released).containsExactly("a", "b");
    assertThat(buffer.size()).isZero();
  }
}
