package dev.tether.relay.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.relay.agent.Instance;
import dev.tether.relay.audit.AuditCode;
import dev.tether.relay.audit.AuditEvent;
import dev.tether.testkit.clock.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Refused hits are audited, but a shim sending nothing else cannot flood the trail. */
class HitRefusalsTest {
  private final List<AuditEvent> recorded = new ArrayList<>();
  private final MutableClock clock = MutableClock.atSomeMonday();
  private final HitRefusals refusals = new HitRefusals(recorded::add, clock);
  private final Instance instance =
      new Instance("orders", "i-1", "node v22", "test", Instant.EPOCH);

  @Test
  void aFloodOfRefusedHitsIsAuditedUpToTheMinutesBudgetAndTheNextRecordSaysHowManyWereLeftOut() {
    for (int i = 0; i < HitRefusals.PER_MINUTE + 5; i++) {
      refusals.noSuchPoint(instance, "10.0.0.1", "s-0000000000001-deadbeef");
    }
    assertThat(recorded).hasSize(HitRefusals.PER_MINUTE)
        .allMatch(e -> e.code() == AuditCode.SNAPSHOT_HIT_REFUSED);

    clock.advance(Duration.ofMinutes(1));
    refusals.noSuchPoint(instance, "10.0.0.1", "s-0000000000001-deadbeef");

    assertThat(recorded).hasSize(HitRefusals.PER_MINUTE + 1);
    assertThat(recorded.get(HitRefusals.PER_MINUTE).details()).containsEntry("leftOutBefore", 5L);
  }

  @Test
  void aPointIdThatIsNoIdIsNotWrittenAsTheShimSentIt() {
    refusals.noSuchPoint(instance, "10.0.0.1", "x\nlevel=ERROR forged=" + "y".repeat(500));

    assertThat(recorded.get(0).details().get("point"))
        .isEqualTo("(not a point id, " + (21 + 500) + " characters)");
  }
}
