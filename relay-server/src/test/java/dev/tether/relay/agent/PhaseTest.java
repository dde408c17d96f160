package dev.tether.relay.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PhaseTest {
  @ParameterizedTest
  @EnumSource(Phase.class)
  void closedIsFinalAndEveryOtherPhaseCanClose(Phase phase) {
    assertThat(Phase.CLOSED.canMoveTo(phase)).isFalse();
    if (phase != Phase.CLOSED) {
      assertThat(phase.canMoveTo(Phase.CLOSED)).isTrue();
    }
  }

  @Test
  void onlyAnOpenConnectionCanBeHandedOverOrDropped() {
    for (Phase from : Phase.values()) {
      assertThat(from.canMoveTo(Phase.HANDED_OVER)).as(from.name()).isEqualTo(from == Phase.OPEN);
      assertThat(from.canMoveTo(Phase.DROPPED)).as(from.name()).isEqualTo(from == Phase.OPEN);
    }
  }

  @Test
  void noPhaseGoesBackToAwaitingHelloOrFromAHandOverToOpen() {
    for (Phase from : Phase.values()) {
      assertThat(from.canMoveTo(Phase.AWAITING_HELLO)).isFalse();
    }
    assertThat(Phase.HANDED_OVER.canMoveTo(Phase.OPEN)).isFalse();
    assertThat(Phase.DROPPED.canMoveTo(Phase.OPEN)).isFalse();
  }

  @Test
  void streamsAreNoLongerTheConnectionsOnceHandedOverOrClosed() {
    EnumSet<Phase> retired = EnumSet.noneOf(Phase.class);
    for (Phase phase : Phase.values()) {
      if (phase.retired()) {
        retired.add(phase);
      }
    }
    assertThat(retired).containsExactlyInAnyOrder(Phase.HANDED_OVER, Phase.CLOSED);
    assertThat(Phase.DROPPED.socketOpen()).as("a dropped connection's socket is gone").isFalse();
    assertThat(Phase.HANDED_OVER.socketOpen()).isTrue();
  }
}
