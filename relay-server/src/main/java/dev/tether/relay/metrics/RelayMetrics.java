package dev.tether.relay.metrics;

import dev.tether.relay.auth.Mode;
import dev.tether.relay.session.Session;
import dev.tether.relay.session.SessionState;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What a relay counts for its operator, rendered as Prometheus text by {@link #scrape()}. The data
 * path only increments counters here (lock-free, no allocation); gauges are read at scrape time
 * from the parts that own the state.
 */
public final class RelayMetrics {
  /** Which way CDP bytes travel through the bridge. */
  public enum Direction {
    /** DevTools → inspector: commands. */
    TO_TARGET("to_target"),
    /** Inspector → DevTools: replies and events. */
    TO_DEVTOOLS("to_devtools");

    private final String label;

    Direction(String label) {
      this.label = label;
    }
  }

  private record Refusal(String endpoint, String reason) implements Comparable<Refusal> {
    @Override
    public int compareTo(Refusal other) {
      int byEndpoint = endpoint.compareTo(other.endpoint);
      return byEndpoint != 0 ? byEndpoint : reason.compareTo(other.reason);
    }
  }

  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

  private final LongAdder[] messages = adders();
  private final LongAdder[] bytes = adders();
  private final LatencyHistogram[] relayed = {new LatencyHistogram(), new LatencyHistogram()};
  private final ConcurrentMap<Refusal, LongAdder> refusals = new ConcurrentHashMap<>();
  private volatile IntSupplier agents = () -> 0;
  private volatile Supplier<? extends Collection<Session>> sessions = List::of;
  private volatile LongSupplier auditQueueDepth;

  /** Reads the live agents and sessions at scrape time. */
  public void watch(IntSupplier connectedAgents, Supplier<? extends Collection<Session>> liveSessions) {
    agents = connectedAgents;
    sessions = liveSessions;
  }

  /**
   * The audit trail's hook: how many events wait to be written. Until one is registered the
   * gauge is absent from the scrape rather than a misleading 0.
   */
  public void auditQueueDepth(LongSupplier depth) {
    auditQueueDepth = depth;
  }

  /** One piece of a CDP message passed the bridge; {@code fin} ends the message. */
  public void passed(Direction direction, int payloadBytes, boolean fin) {
    bytes[direction.ordinal()].add(payloadBytes);
    if (fin) {
      messages[direction.ordinal()].increment();
    }
  }

  /** How long one frame stayed in the relay, from arrival at the bridge to its write completing. */
  public void relayed(Direction direction, long nanos) {
    relayed[direction.ordinal()].observe(nanos);
  }

  /** A request or upgrade was refused; {@code reason} is the error code the caller got. */
  public void refused(String endpoint, String reason) {
    refusals.computeIfAbsent(new Refusal(endpoint, reason), r -> new LongAdder()).increment();
  }

  /** The current values in Prometheus text format. */
  public String scrape() {
    PrometheusText text = new PrometheusText();
    text.family("tether_agents_connected", "gauge",
        "Function instances whose shim holds a registered tunnel to this relay.");
    text.sample("tether_agents_connected", agents.getAsInt());

    text.family("tether_sessions", "gauge", "Live debugging sessions by mode and state.");
    sessionCounts().forEach((key, count) -> {
      String[] modeAndState = key.split(" ");
      text.sample("tether_sessions", count, "mode", modeAndState[0], "state", modeAndState[1]);
    });

    text.family("tether_cdp_messages_total", "counter",
        "CDP messages bridged, by direction (to_target: DevTools to inspector).");
    for (Direction d : Direction.values()) {
      text.sample("tether_cdp_messages_total", messages[d.ordinal()].sum(), "direction", d.label);
    }
    text.family("tether_cdp_bytes_total", "counter", "CDP payload bytes bridged, by direction.");
    for (Direction d : Direction.values()) {
      text.sample("tether_cdp_bytes_total", bytes[d.ordinal()].sum(), "direction", d.label);
    }

    String histogram = "tether_relay_frame_seconds";
    text.family(histogram, "histogram",
        "Time a CDP frame spends inside the relay: from the bridge receiving it to the write of"
            + " the forwarded frame completing, including any wait for credit or for the"
            + " receiving socket to drain.");
    for (Direction d : Direction.values()) {
      LatencyHistogram h = relayed[d.ordinal()];
      long[] cumulative = h.cumulative();
      for (int i = 0; i < cumulative.length; i++) {
        String le = i < LatencyHistogram.BOUNDS.length
            ? PrometheusText.format(LatencyHistogram.BOUNDS[i]) : "+Inf";
        text.sample(histogram + "_bucket", cumulative[i], "direction", d.label, "le", le);
      }
      text.sample(histogram + "_sum", h.sumSeconds(), "direction", d.label);
      text.sample(histogram + "_count", cumulative[cumulative.length - 1], "direction", d.label);
    }

    text.family("tether_refusals_total", "counter",
        "Requests and upgrades refused, by endpoint and the error code the caller got.");
    new TreeMap<>(refusals).forEach((r, count) ->
        text.sample("tether_refusals_total", count.sum(), "endpoint", r.endpoint(), "reason",
            r.reason()));

    LongSupplier audit = auditQueueDepth;
    if (audit != null) {
      text.family("tether_audit_queue_depth", "gauge", "Audit events waiting to be written.");
      text.sample("tether_audit_queue_depth", audit.getAsLong());
    }

    text.family("jvm_memory_used_bytes", "gauge", "The relay JVM's memory in use.");
    text.sample("jvm_memory_used_bytes", MEMORY.getHeapMemoryUsage().getUsed(), "area", "heap");
    text.sample("jvm_memory_used_bytes", MEMORY.getNonHeapMemoryUsage().getUsed(), "area",
        "nonheap");
    return text.toString();
  }

  /** Every live mode × state, zeros included, so a dashboard's series never vanish. */
  private Map<String, Long> sessionCounts() {
    Map<String, Long> counts = new TreeMap<>();
    for (Mode mode : Mode.values()) {
      for (SessionState state : SessionState.values()) {
        if (state != SessionState.ENDED) {
          counts.put(mode.claim() + " " + state.wire(), 0L);
        }
      }
    }
    for (Session session : sessions.get()) {
      SessionState state = session.state();
      if (state != SessionState.ENDED) { // it may have ended since the list was taken
        counts.merge(session.mode().claim() + " " + state.wire(), 1L, Long::sum);
      }
    }
    return counts;
  }

  private static LongAdder[] adders() {
    return new LongAdder[] {new LongAdder(), new LongAdder()};
  }
}
