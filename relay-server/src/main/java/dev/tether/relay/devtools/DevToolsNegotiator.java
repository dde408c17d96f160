package dev.tether.relay.devtools;

import dev.tether.protocol.DataFrame;
import dev.tether.protocol.Target;
import dev.tether.relay.agent.AgentRegistry;
import dev.tether.relay.agent.AgentTunnel;
import dev.tether.relay.audit.AuditCode;
import dev.tether.relay.audit.AuditEvent;
import dev.tether.relay.audit.AuditSink;
import dev.tether.relay.auth.AuthException;
import dev.tether.relay.auth.Ticket;
import dev.tether.relay.auth.TokenVerifier;
import dev.tether.relay.config.RelayConfig;
import dev.tether.relay.http.ApiError;
import dev.tether.relay.http.Json;
import dev.tether.relay.metrics.RelayMetrics;
import dev.tether.relay.policy.Policy;
import dev.tether.relay.policy.SessionGuard;
import dev.tether.relay.session.Session;
import dev.tether.relay.session.SessionState;
import dev.tether.relay.session.Sessions;
import dev.tether.relay.targets.OtherNodes;
import dev.tether.relay.targets.TargetWindow;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.Configuration;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.core.server.WebSocketNegotiator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides at the upgrade whether a DevTools client may attach: an allowed Origin, a valid unused
 * ticket, a live session that has no DevTools yet, and its instance online (a function session
 * needs none: its window offers the instances that are live). Every refusal is an
 * HTTP status with a JSON reason; the ticket itself is never logged.
 */
public final class DevToolsNegotiator implements WebSocketNegotiator {
  private static final Logger LOG = LoggerFactory.getLogger(DevToolsNegotiator.class);
  private static final String PREFIX = "/devtools/";

  private final OriginPolicy origins;
  private final TokenVerifier verifier;
  private final Sessions sessions;
  private final AgentRegistry registry;
  private final ScheduledExecutorService scheduler;
  private final RelayConfig config;
  private final AuditSink audit;
  private final Clock clock;
  private final Policy policy;
  private final RelayMetrics metrics;
  private ClusterTickets cluster;
  private OtherNodes others = OtherNodes.NONE;

  public DevToolsNegotiator(
      OriginPolicy origins, TokenVerifier verifier, Sessions sessions, AgentRegistry registry,
      ScheduledExecutorService scheduler, RelayConfig config, AuditSink audit, Clock clock,
      Policy policy, RelayMetrics metrics) {
    this.audit = audit;
    this.clock = clock;
    this.origins = origins;
    this.verifier = verifier;
    this.sessions = sessions;
    this.registry = registry;
    this.scheduler = scheduler;
    this.config = config;
    this.policy = policy;
    this.metrics = metrics;
  }

  /**
   * In a cluster: tickets are single-use on every node, and a session held by another node is
   * reached through its peer connection. Set before the relay serves.
   */
  public DevToolsNegotiator cluster(ClusterTickets cluster) {
    this.cluster = cluster;
    return this;
  }

  /** In a cluster: function sessions see and attach to the other nodes' instances too. */
  public DevToolsNegotiator others(OtherNodes others) {
    this.others = others;
    return this;
  }

  /** How a cluster takes a ticket; the cluster package implements it (it depends on this one). */
  public interface ClusterTickets {
    /**
     * Marks {@code ticket} used on every node (an {@link ApiError} when it was used already) and,
     * when its session is held by another node, answers the handler that bridges to that node;
     * null when the session is here.
     */
    FrameHandler redeem(Ticket ticket, String token, String remote, boolean heldHere);
  }

  /** Refuses an upgrade as {@link #negotiate} does: status, JSON reason, audit for 401/403. */
  public void refuse(ServerUpgradeResponse response, Callback callback, ApiError e, String remote,
      String at) {
    refused(e, remote, at);
    Json.error(response, callback, e);
  }

  /** Logs, audits (401/403) and counts a refusal answered some other way than an upgrade's. */
  public void refused(ApiError e, String remote, String at) {
    LOG.info("devtools refused remote={} status={} error={} at={}", remote, e.status(), e.code(),
        at);
    if (e.status() == 401 || e.status() == 403) {
      audit.record(AuditEvent.of(e.status() == 401
              ? AuditCode.AUTH_FAILED_DEVTOOLS : AuditCode.POLICY_DENIED)
          .at(clock.instant()).remote(remote).detail("at", at).detail("error", e.code())
          .detail("status", e.status()).build());
    }
    metrics.refused(at, e.code());
  }

  @Override
  public FrameHandler negotiate(
      ServerUpgradeRequest request, ServerUpgradeResponse response, Callback callback) {
    String remote = Request.getRemoteAddr(request);
    // With the stream's own lines, this splits an attach's fixed cost (BENCHMARKS, B1s).
    LOG.debug("devtools upgrade requested remote={}", remote);
    try {
      FrameHandler handler = attach(request, remote);
      return handler;
    } catch (ApiError e) {
      LOG.info("devtools refused remote={} status={} error={}", remote, e.status(), e.code());
      if (e.status() == 401 || e.status() == 403) { // never the path: it holds the ticket
        audit.record(AuditEvent.of(e.status() == 401
                ? AuditCode.AUTH_FAILED_DEVTOOLS : AuditCode.POLICY_DENIED)
            .at(clock.instant()).remote(remote).detail("at", "devtools").detail("error", e.code())
            .detail("status", e.status()).build());
      }
      metrics.refused("devtools", e.code());
      Json.error(response, callback, e);
      return null;
    }
  }

  private FrameHandler attach(ServerUpgradeRequest request, String remote) {
    String origin = request.getHeaders().get(HttpHeader.ORIGIN);
    if (!origins.allows(origin)) {
      throw ApiError.forbidden("origin_not_allowed",
          "pages from " + origin + " may not open DevTools sockets; open DevTools from the Tether"
              + " console, or ask the operator to add the origin to consoleOrigins");
    }
    String path = Request.getPathInContext(request);
    String token = path.startsWith(PREFIX) ? path.substring(PREFIX.length()) : "";
    if (token.isEmpty() || token.contains("/")) {
      throw new ApiError(401, "ticket_missing",
          "connect to /devtools/<ticket> with the webSocketDebuggerUrl from POST /api/sessions");
    }
    Ticket ticket;
    try {
      ticket = verifier.redeemTicket(token);
    } catch (AuthException e) {
      throw ApiError.from(e);
    }
    if (cluster != null) {
      FrameHandler elsewhere = cluster.redeem(ticket, token, remote,
          sessions.find(ticket.sessionId()).isPresent());
      if (elsewhere != null) {
        return elsewhere;
      }
    }
    return attachRedeemed(ticket, remote);
  }

  /**
   * Attaches DevTools for a ticket already checked and marked used (here, or by the node of the
   * cluster that forwarded the socket): the session, its state, its instance, the policy.
   */
  public FrameHandler attachRedeemed(Ticket ticket, String remote) {
    Session session = sessions.find(ticket.sessionId()).orElseThrow(() ->
        ApiError.notFound("session_not_found",
            "session " + ticket.sessionId() + " does not exist (any more); start a new session"));
    if (!session.function().equals(ticket.function())
        || !session.instance().equals(ticket.instance())
        || !session.subject().equals(ticket.subject())) {
      throw ApiError.forbidden("ticket_mismatch",
          "this ticket does not belong to session " + session.id() + "; get a fresh URL from"
              + " GET /api/sessions/" + session.id());
    }
    Session.Snapshot now = session.snapshot();
    if (now.state() == SessionState.ENDED) {
      throw ApiError.conflict("session_ended",
          "session " + session.id() + " has ended (" + now.endReason().wire() + "): "
              + now.endMessage());
    }
    if (session.functionScope()) {
      return functionWindow(session, remote);
    }
    AgentTunnel tunnel = registry.find(session.function(), session.instance())
        .filter(AgentTunnel::isOpen)
        .orElseThrow(() -> ApiError.conflict("instance_offline",
            "the function instance " + session.function() + "/" + session.instance()
                + " is not connected; start a new session when it is back"));
    List<Target> targets = tunnel.targets();
    if (targets.isEmpty()) {
      throw ApiError.conflict("no_target",
          "the function instance " + session.function() + "/" + session.instance()
              + " reports no inspector target yet; try again in a moment");
    }
    SessionGuard guard = policy.guard(session, config.audit().maxArgBytes());
    guard.onRead(new CommandAudit(audit, session, remote, clock)::record);
    DevToolsConnection connection =
        new DevToolsConnection(session, sessions, tunnel, targets.get(0).id(),
            config.maxMessageBytes(), scheduler, config.devtoolsKeepAlive(), guard, metrics);
    if (!sessions.attach(session, connection)) {
      throw ApiError.conflict("already_attached",
          "session " + session.id() + " already has DevTools attached; close that window first"
              + " (one DevTools per session)");
    }
    audit.record(AuditEvent.of(AuditCode.SESSION_ATTACHED).at(clock.instant())
        .actor(session.subject()).function(session.function()).instance(session.instance())
        .session(session.id()).remote(remote).detail("mode", session.mode().claim()).build());
    return connection;
  }

  /** A function session's socket: every instance of the function as a CDP target. */
  private FrameHandler functionWindow(Session session, String remote) {
    int maxText = config.audit().maxArgBytes();
    TargetWindow window = new TargetWindow(session, sessions, registry, instance -> {
      SessionGuard guard = policy.guard(session, maxText);
      guard.onRead(new CommandAudit(audit, session, instance, remote, clock)::record);
      return guard;
    }, config.maxMessageBytes(), maxText, scheduler, config.devtoolsKeepAlive(), others);
    if (!sessions.attach(session, window)) {
      throw ApiError.conflict("already_attached",
          "session " + session.id() + " already has DevTools attached; close that window first"
              + " (one DevTools per session)");
    }
    audit.record(AuditEvent.of(AuditCode.SESSION_ATTACHED).at(clock.instant())
        .actor(session.subject()).function(session.function()).instance(session.instance())
        .session(session.id()).remote(remote).detail("mode", session.mode().claim())
        .detail("scope", "function").build());
    return window;
  }

  @Override
  public void customize(Configuration configuration) {
    // Frames bigger than a tunnel chunk arrive split into chunks, so one DevTools frame always
    // fits one data frame; the message limit is enforced by DevToolsConnection.
    configuration.setMaxFrameSize(DataFrame.MAX_CHUNK);
    configuration.setAutoFragment(true);
    configuration.setMaxTextMessageSize(config.maxMessageBytes());
    configuration.setMaxBinaryMessageSize(config.maxMessageBytes());
    configuration.setInputBufferSize(64 * 1024);
    configuration.setIdleTimeout(config.devtoolsKeepAlive().multipliedBy(3));
  }
}
