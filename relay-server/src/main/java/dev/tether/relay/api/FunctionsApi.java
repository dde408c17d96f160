package dev.tether.relay.api;

import dev.tether.relay.agent.AgentRegistry;
import dev.tether.relay.agent.AgentTunnel;
import dev.tether.relay.agent.Instance;
import dev.tether.relay.auth.TokenVerifier;
import dev.tether.relay.auth.UserPrincipal;
import dev.tether.relay.cluster.Cluster;
import dev.tether.relay.http.Exchange;
import dev.tether.relay.http.Router;
import dev.tether.relay.report.CrashReport;
import dev.tether.relay.report.ReportStore;
import dev.tether.relay.session.Sessions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/functions}: the functions the caller may debug, with their live instances and,
 * for a function that crashed, its newest crash ({@code lastCrash}); a function whose instances
 * all died is still listed while it has a crash report.
 */
public final class FunctionsApi {
  private static final Logger LOG = LoggerFactory.getLogger(FunctionsApi.class);
  private final Callers callers;
  private final AgentRegistry registry;
  private final Sessions sessions;
  private final ReportStore reports;
  private Cluster cluster;

  record InstanceView(String id, String runtime, String connectedAt, int sessions) {}

  record FunctionView(
      String function, List<InstanceView> instances, CrashReport.LastCrash lastCrash) {}

  public FunctionsApi(TokenVerifier verifier, AgentRegistry registry, Sessions sessions) {
    this(verifier, registry, sessions, null);
  }

  /** The same; {@code reports} (may be null) marks the functions that crashed. */
  public FunctionsApi(TokenVerifier verifier, AgentRegistry registry, Sessions sessions,
      ReportStore reports) {
    this.callers = new Callers(verifier);
    this.registry = registry;
    this.sessions = sessions;
    this.reports = reports;
  }

  /** In a cluster: the instances of every node are listed, not only this node's. */
  public FunctionsApi cluster(Cluster cluster) {
    this.cluster = cluster;
    return this;
  }

  public void routes(Router router) {
    router.on("GET", "/api/functions", this::list);
  }

  private void list(Exchange exchange) throws Exception {
    UserPrincipal user = callers.user(exchange);
    List<FunctionView> functions = new ArrayList<>();
    Map<String, CrashReport> crashes = latestCrashes();
    Map<String, List<InstanceView>> live = new TreeMap<>();
    for (Map.Entry<String, List<AgentTunnel>> entry : registry.byFunction().entrySet()) {
      List<InstanceView> instances = live.computeIfAbsent(entry.getKey(), f -> new ArrayList<>());
      for (AgentTunnel tunnel : entry.getValue()) {
        Instance i = tunnel.instance().orElseThrow();
        instances.add(new InstanceView(i.id(), i.runtime(), i.connectedAt().toString(),
            sessions.liveOn(i.function(), i.id()).size()));
      }
    }
    if (cluster != null) {
      for (var remote : cluster.remoteInstances()) {
        live.computeIfAbsent(remote.function(), f -> new ArrayList<>()).add(new InstanceView(
            remote.instance(), remote.runtime(), remote.connectedAt(), remote.sessions()));
      }
      // Newest first across the nodes, as one node lists its own.
      live.values().forEach(list -> list.sort(
          Comparator.comparing(InstanceView::connectedAt).reversed()));
    }
    for (Map.Entry<String, List<InstanceView>> entry : live.entrySet()) {
      if (user.mayDebug(entry.getKey())) {
        functions.add(new FunctionView(entry.getKey(), entry.getValue(),
            lastCrash(crashes, entry.getKey())));
      }
    }
    for (String crashed : crashes.keySet()) {
      if (!live.containsKey(crashed) && user.mayDebug(crashed)) {
        functions.add(new FunctionView(crashed, List.of(), lastCrash(crashes, crashed)));
      }
    }
    exchange.json(200, functions);
  }

  /** The newest crash per function; none while the report store is unreachable (logged). */
  private Map<String, CrashReport> latestCrashes() {
    if (reports == null) {
      return Map.of();
    }
    try {
      return reports.latest();
    } catch (ReportStore.ReportStoreException e) {
      LOG.warn("functions listed without crash marks: {}", e.getMessage());
      return Map.of();
    }
  }

  private static CrashReport.LastCrash lastCrash(Map<String, CrashReport> crashes, String name) {
    CrashReport report = crashes.get(name);
    return report == null ? null : report.lastCrash();
  }
}
