package dev.tether.relay.session;

import static dev.tether.relay.session.SessionState.ATTACHED;
import static dev.tether.relay.session.SessionState.DETACHED;
import static dev.tether.relay.session.SessionState.ENDED;
import static dev.tether.relay.session.SessionState.REQUESTED;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SessionStateTest {
  @Test
  void aRequestedSessionCanOnlyBeAttachedOrEnded() {
    assertThat(REQUESTED.canMoveTo(ATTACHED)).isTrue();
    assertThat(REQUESTED.canMoveTo(ENDED)).isTrue();
    assertThat(REQUESTED.canMoveTo(DETACHED)).isFalse();
    assertThat(REQUESTED.canMoveTo(REQUESTED)).isFalse();
  }

  @Test
  void attachedAndDetachedAlternateUntilTheSessionEnds() {
    assertThat(ATTACHED.canMoveTo(DETACHED)).isTrue();
    assertThat(DETACHED.canMoveTo(ATTACHED)).isTrue();
    assertThat(ATTACHED.canMoveTo(ENDED)).isTrue();
    assertThat(DETACHED.canMoveTo(ENDED)).isTrue();
    assertThat(ATTACHED.canMoveTo(ATTACHED)).isFalse();
    assertThat(ATTACHED.canMoveTo(REQUESTED)).isFalse();
  }

  @Test
  void nothingLeavesEnded() {
    for (SessionState next : SessionState.values()) {
      assertThat(ENDED.canMoveTo(next)).as("ended -> " + next).isFalse();
    }
  }

  @Test
  void onlyRequestedAndDetachedSessionsWaitForDevTools() {
    assertThat(REQUESTED.awaitsDevTools()).isTrue();
    assertThat(DETACHED.awaitsDevTools()).isTrue();
    assertThat(ATTACHED.awaitsDevTools()).isFalse();
    assertThat(ENDED.awaitsDevTools()).isFalse();
  }
}
