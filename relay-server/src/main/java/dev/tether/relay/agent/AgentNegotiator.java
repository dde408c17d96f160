package dev.tether.relay.agent;

import dev.tether.protocol.Tunnel;
import dev.tether.relay.audit.AuditCode;
import dev.tether.relay.audit.AuditEvent;
import dev.tether.relay.audit.AuditSink;
import dev.tether.relay.auth.AgentPrincipal;
import dev.tether.relay.auth.AuthException;
import dev.tether.relay.auth.TokenVerifier;
import dev.tether.relay.config.RelayConfig;
import dev.tether.relay.http.ApiError;
import dev.tether.relay.http.Json;
import dev.tether.relay.metrics.RelayMetrics;
import java.time.Clock;
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
 * Decides at the upgrade whether a shim may open a tunnel: a valid agent token and the tunnel's
 * subprotocol, or an HTTP refusal with a JSON reason (never a silent close).
 */
public final class AgentNegotiator implements WebSocketNegotiator {
  private static final Logger LOG = LoggerFactory.getLogger(AgentNegotiator.class);
  private static final int MAX_TUNNEL_FRAME = 64 * 1024 + 16;

  private final TokenVerifier verifier;
  private final AgentRegistry registry;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final RelayConfig config;
  private final AuditSink audit;
  private final RelayMetrics metrics;

  public AgentNegotiator(
      TokenVerifier verifier, AgentRegistry registry, ScheduledExecutorService scheduler,
      Clock clock, RelayConfig config, AuditSink audit, RelayMetrics metrics) {
    this.audit = audit;
    this.verifier = verifier;
    this.registry = registry;
    this.scheduler = scheduler;
    this.clock = clock;
    this.config = config;
    this.metrics = metrics;
  }

  @Override
  public FrameHandler negotiate(
      ServerUpgradeRequest request, ServerUpgradeResponse response, Callback callback) {
    String remote = Request.getRemoteAddr(request);
    AgentPrincipal agent;
    try {
      agent = verifier.verifyAgent(
          TokenVerifier.bearer(request.getHeaders().get(HttpHeader.AUTHORIZATION)));
    } catch (AuthException e) {
      LOG.info("agent refused remote={} status={} error={}", remote, e.status(), e.code());
      audit.record(AuditEvent.of(AuditCode.AUTH_FAILED_AGENT).at(clock.instant()).remote(remote)
          .detail("at", "agent").detail("error", e.code()).detail("status", e.status()).build());
      metrics.refused("agent", e.code());
      Json.error(response, callback, ApiError.from(e));
      return null;
    }
    if (!request.hasSubProtocol(Tunnel.SUBPROTOCOL)) {
      LOG.info("agent refused remote={} function={} error=subprotocol_required offered={}",
          remote, agent.function(), request.getSubProtocols());
      metrics.refused("agent", "subprotocol_required");
      Json.error(response, callback,
          ApiError.badRequest("subprotocol_required",
              "connect with the WebSocket subprotocol " + Tunnel.SUBPROTOCOL
                  + " (offered: " + request.getSubProtocols() + "); update the shim to match"
                  + " the relay"));
      return null;
    }
    response.setAcceptedSubProtocol(Tunnel.SUBPROTOCOL);
    return new AgentTunnel(
        agent, registry, scheduler, clock, config.heartbeat(), config.helloTimeout(),
        config.resumeGrace(), config.abruptCloseGrace(), config.agents(), remote);
  }

  @Override
  public void customize(Configuration configuration) {
    configuration.setMaxFrameSize(MAX_TUNNEL_FRAME);
    configuration.setAutoFragment(false);
    configuration.setMaxTextMessageSize(MAX_TUNNEL_FRAME);
    configuration.setMaxBinaryMessageSize(MAX_TUNNEL_FRAME);
    configuration.setInputBufferSize(64 * 1024);
    configuration.setIdleTimeout(config.heartbeat().multipliedBy(3).plusSeconds(5));
  }
}
