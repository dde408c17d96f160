package dev.tether.relay.snapshot;

import dev.tether.relay.agent.Instance;
import dev.tether.relay.audit.AuditCode;
import dev.tether.relay.audit.AuditEvent;
import dev.tether.relay.audit.AuditSink;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audits and logs the hits a relay refuses (for a point that is not one of the sending instance's
 * function: another function's, deleted, never set), at most {@link #PER_MINUTE} a minute per
 * relay, so a shim that sends nothing but refused hits cannot flood the trail; the next record
 * after a quiet spell says how many were left out.
 */
final class HitRefusals {
  private static final Logger LOG = LoggerFactory.getLogger(HitRefusals.class);
  static final int PER_MINUTE = 20;
  private static final Duration WINDOW = Duration.ofMinutes(1);

  private final AuditSink audit;
  private final Clock clock;
  private Instant windowStart = Instant.MIN;
  private int inWindow;
  private long leftOut;

  HitRefusals(AuditSink audit, Clock clock) {
    this.audit = audit;
    this.clock = clock;
  }

  /** Notes that {@code instance} sent a hit for {@code point}, which its function does not have. */
  void noSuchPoint(Instance instance, String remote, String point) {
    Instant now = clock.instant();
    String named = StoredPoint.ID.matcher(point).matches() ? point
        : "(not a point id, " + point.length() + " characters)"; // never the shim's text as is
    long before;
    synchronized (this) {
      if (!now.isBefore(windowStart.plus(WINDOW))) {
        windowStart = now;
        inWindow = 0;
      }
      if (++inWindow > PER_MINUTE) {
        leftOut++;
        return;
      }
      before = leftOut;
      leftOut = 0;
    }
    AuditEvent.Builder event = AuditEvent.of(AuditCode.SNAPSHOT_HIT_REFUSED).at(now)
        .actor("agent:" + instance.function()).role("agent").function(instance.function())
        .instance(instance.id()).remote(remote).detail("point", named)
        .detail("error", "no_such_point");
    if (before > 0) {
      event.detail("leftOutBefore", before);
    }
    audit.record(event.build());
    LOG.warn("snapshot hit refused function={} instance={} point={} reason=\"the function has no"
        + " such point (another function's, deleted, or never set)\" leftOutBefore={}",
        instance.function(), instance.id(), named, before);
  }
}
