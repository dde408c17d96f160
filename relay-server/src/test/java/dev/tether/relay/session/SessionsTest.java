package dev.tether.relay.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.relay.auth.Mode;
import dev.tether.relay.auth.UserId;
import dev.tether.testkit.Poll;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class SessionsTest {
  private static final UserId ALICE = new UserId("https://relay.test", "alice");
  private static final UserId BOB = new UserId("https://relay.test", "bob");
  private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
  private final Sessions sessions =
      new Sessions(scheduler, Clock.systemUTC(), Duration.ofHours(1), Duration.ofSeconds(1));

  /** Records how it was ended. */
  private static final class RecordingAttachment implements Attachment {
    final List<String> ends = new ArrayList<>();

    @Override
    public synchronized void end(int code, String reason) {
      ends.add(code + " " + reason);
    }
  }

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  @Test
  void aNewSessionIsRequested() {
    Session session = sessions.create(ALICE, "orders", "i-1", Mode.FULL);

    assertThat(session.state()).isEqualTo(SessionState.REQUESTED);
    assertThat(sessions.find(session.id())).contains(session);
    assertThat(sessions.liveOn("orders", "i-1")).containsExactly(session);
  }

  @Test
  void onlyOneDevToolsAttachesAtATime() {
    Session session = sessions.create(ALICE, "orders", "i-1", Mode.FULL);
    RecordingAttachment first = new RecordingAttachment();

    assertThat(sessions.attach(session, first)).isTrue();
    assertThat(sessions.attach(session, new RecordingAttachment())).isFalse();

    sessions.detached(session, first);
    assertThat(session.state()).isEqualTo(SessionState.DETACHED);
    assertThat(sessions.attach(session, new RecordingAttachment())).isTrue();
  }

  @Test
  void aStaleAttachmentCannotDetachItsSuccessor() {
    Session session = sessions.create(ALICE, "orders", "i-1", Mode.FULL);
    RecordingAttachment first = new RecordingAttachment();
    sessions.attach(session, first);
    sessions.detached(session, first);
    sessions.attach(session, new RecordingAttachment());

    sessions.detached(session, first);

    assertThat(session.state()).isEqualTo(SessionState.ATTACHED);
  }

  @Test
  void endingASessionClosesItsDevToolsWithTheReasonsCode() {
    Session session = sessions.create(ALICE, "orders", "i-1", Mode.FULL);
    RecordingAttachment devtools = new RecordingAttachment();
    sessions.attach(session, devtools);

    sessions.end(session, EndReason.AGENT_LOST, "the instance went away");
    sessions.end(session, EndReason.CLOSED, "again");

    assertThat(devtools.ends).containsExactly("4000 the instance went away");
    assertThat(session.snapshot().endReason()).isEqualTo(EndReason.AGENT_LOST);
    assertThat(sessions.live()).isEmpty();
    assertThat(sessions.attach(session, new RecordingAttachment())).isFalse();
  }

  @Test
  void aSessionNobodyAttachesExpiresAfterTheIdleTimeout() {
    Session session = sessions.create(ALICE, "orders", "i-1", Mode.FULL);

    Poll.until(Duration.ofSeconds(5), "the session to expire",
        () -> session.state() == SessionState.ENDED);

    assertThat(session.snapshot().endReason()).isEqualTo(EndReason.EXPIRED);
    assertThat(session.snapshot().endMessage()).contains("no DevTools attached for 1s");
  }

  @Test
  void anAttachedSessionDoesNotIdleOut() {
    Session session = sessions.create(ALICE, "orders", "i-1", Mode.FULL);
    sessions.attach(session, new RecordingAttachment());
    Session other = sessions.create(BOB, "orders", "i-1", Mode.FULL);

    Poll.until(Duration.ofSeconds(5), "the other session to expire",
        () -> other.state() == SessionState.ENDED);

    assertThat(session.state()).isEqualTo(SessionState.ATTACHED);
  }

  @Test
  void endingAllSessionsOfAnInstanceLeavesOthersAlone() {
    Session lost = sessions.create(ALICE, "orders", "i-1", Mode.FULL);
    Session kept = sessions.create(ALICE, "orders", "i-2", Mode.FULL);

    sessions.endAllOn("orders", "i-1", EndReason.AGENT_LOST, "gone");

    assertThat(lost.state()).isEqualTo(SessionState.ENDED);
    assertThat(kept.state()).isEqualTo(SessionState.REQUESTED);
  }
}
