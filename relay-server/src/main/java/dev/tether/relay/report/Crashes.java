package dev.tether.relay.report;

import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.agent.CrashListener;
import dev.tether.relay.agent.Instance;
import dev.tether.relay.audit.AuditCode;
import dev.tether.relay.audit.AuditEvent;
import dev.tether.relay.audit.AuditSink;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes the crash reports shims send as their functions die: gives each an id, keeps it in the
 * {@link ReportStore}, and audits {@code function.crashed}.
 */
public final class Crashes implements CrashListener {
  private static final Logger LOG = LoggerFactory.getLogger(Crashes.class);
  private static final int MAX_AUDITED_MESSAGE = 200;

  private final ReportStore store;
  private final AuditSink audit;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  public Crashes(ReportStore store, AuditSink audit, Clock clock) {
    this.store = store;
    this.audit = audit;
    this.clock = clock;
  }

  @Override
  public void crashed(Instance instance, String remote, TunnelMessage.Crash crash) {
    Instant now = clock.instant();
    CrashReport report = CrashReport.of(newId(now), instance.function(), instance.id(), now,
        crash.exitCode(), crash.report());
    String message = report.message().length() <= MAX_AUDITED_MESSAGE ? report.message()
        : report.message().substring(0, MAX_AUDITED_MESSAGE) + "…";
    try {
      store.add(report);
    } catch (ReportStore.ReportStoreException e) {
      LOG.error("crash report not kept instance={} reason=\"{}\"", instance.name(), e.getMessage());
    }
    audit.record(AuditEvent.of(AuditCode.FUNCTION_CRASHED).at(now)
        .actor("agent:" + instance.function()).role("agent").function(instance.function())
        .instance(instance.id()).remote(remote).detail("report", report.id())
        .detail("trigger", report.trigger()).detail("exitCode", report.exitCode())
        .detail("message", message).build());
    LOG.info("function crashed instance={} trigger={} report={}", instance.name(),
        report.trigger(), report.id());
  }

  /** {@code r-<millis, 13 digits>-<random>}: sorts by arrival, unguessable only as a bonus. */
  private String newId(Instant now) {
    byte[] bytes = new byte[4];
    random.nextBytes(bytes);
    return String.format("r-%013d-%s", now.toEpochMilli(), HexFormat.of().formatHex(bytes));
  }
}
