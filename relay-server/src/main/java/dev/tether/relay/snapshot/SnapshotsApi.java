package dev.tether.relay.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.protocol.FunctionName;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.agent.AgentRegistry;
import dev.tether.relay.agent.AgentTunnel;
import dev.tether.relay.audit.AuditCode;
import dev.tether.relay.audit.AuditEvent;
import dev.tether.relay.audit.AuditSink;
import dev.tether.relay.auth.Mode;
import dev.tether.relay.auth.TokenVerifier;
import dev.tether.relay.auth.UserPrincipal;
import dev.tether.relay.http.ApiError;
import dev.tether.relay.http.Exchange;
import dev.tether.relay.http.Json;
import dev.tether.relay.http.Router;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * The snapshot endpoints, for users granted the function: {@code POST/GET
 * /api/functions/{name}/snapshots}, {@code GET/DELETE …/snapshots/{id}}, and {@code GET
 * /api/functions/{name}/scripts} (the scripts an instance has loaded, to pick a point's file).
 * Read-only users may set points without a condition and with log templates of plain variable
 * paths only; deleting takes the point's creator, a full user or an admin.
 */
public final class SnapshotsApi {
  private static final int MAX_BODY = 16 * 1024;

  private final TokenVerifier verifier;
  private final Snapshots snapshots;
  private final AgentRegistry registry;
  private final AuditSink audit;
  private final Clock clock;

  public SnapshotsApi(TokenVerifier verifier, Snapshots snapshots, AgentRegistry registry,
      AuditSink audit, Clock clock) {
    this.verifier = verifier;
    this.snapshots = snapshots;
    this.registry = registry;
    this.audit = audit;
    this.clock = clock;
  }

  public void routes(Router router) {
    router.on("POST", "/api/functions/{name}/snapshots", this::create);
    router.on("GET", "/api/functions/{name}/snapshots", this::list);
    router.on("GET", "/api/functions/{name}/snapshots/{id}", this::one);
    router.on("DELETE", "/api/functions/{name}/snapshots/{id}", this::delete);
    router.on("GET", "/api/functions/{name}/scripts", this::scripts);
  }

  private void create(Exchange exchange) throws Exception {
    UserPrincipal user = user(exchange);
    String function = granted(exchange, user);
    PointRequest request = PointRequest.read(parse(exchange.body(MAX_BODY)), snapshots.config(),
        snapshots.redaction());
    if (request.runsCode() && !user.mayOpen(Mode.FULL)) {
      audit.record(AuditEvent.of(AuditCode.POLICY_DENIED).at(clock.instant())
          .actor(user.subject()).role(user.role().claim()).function(function)
          .remote(exchange.remoteAddress()).detail("error", "snapshot_needs_full")
          .detail("url", request.url()).detail("line", request.line()).build());
      throw ApiError.forbidden("needs_full_mode", "your token is read-only for " + function
          + ": a point may not carry a condition or log expressions beyond plain variable paths"
          + " such as {event.customer}; drop them, or ask for a full grant");
    }
    exchange.json(201, snapshots.set(function, user, request, exchange.remoteAddress()));
  }

  private void list(Exchange exchange) throws Exception {
    String function = granted(exchange, user(exchange));
    exchange.json(200, snapshots.list(function));
  }

  private void one(Exchange exchange) throws Exception {
    String function = granted(exchange, user(exchange));
    String id = exchange.pathParam(1);
    ObjectNode point = (StoredPoint.ID.matcher(id).matches() ? snapshots.find(function, id)
        : Optional.<ObjectNode>empty()).orElseThrow(() -> notFound(function, id));
    exchange.json(200, point);
  }

  private void delete(Exchange exchange) throws Exception {
    UserPrincipal user = user(exchange);
    String function = granted(exchange, user);
    String id = exchange.pathParam(1);
    ObjectNode point = (StoredPoint.ID.matcher(id).matches() ? snapshots.find(function, id)
        : Optional.<ObjectNode>empty()).orElseThrow(() -> notFound(function, id));
    if (!user.isAdmin() && !user.mayOpen(Mode.FULL)
        && !point.path("createdBy").asText().equals(user.subject())) {
      throw ApiError.forbidden("not_yours", "only its creator, a full user of " + function
          + " or an admin may delete point " + id);
    }
    if (!snapshots.delete(function, id, user, exchange.remoteAddress())) {
      throw notFound(function, id);
    }
    exchange.json(200, Map.of("id", id, "deleted", true));
  }

  private void scripts(Exchange exchange) throws Exception {
    String function = granted(exchange, user(exchange));
    String wanted = exchange.query("instance").orElse(null);
    List<AgentTunnel> instances = registry.instancesOf(function);
    AgentTunnel tunnel = instances.stream()
        .filter(t -> t.supports(Snapshots.CAPABILITY))
        .filter(t -> wanted == null || t.instance().orElseThrow().id().equals(wanted))
        .findFirst()
        .orElseThrow(() -> ApiError.conflict("no_instance", wanted == null
            ? "function " + function + " has no live instance whose shim takes snapshot points;"
                + " invoke it first, or update its shim"
            : "function " + function + " has no live instance " + wanted));
    TunnelMessage.Scripts answer;
    try {
      answer = snapshots.scripts(tunnel).get();
    } catch (ExecutionException e) {
      boolean late = e.getCause() instanceof TimeoutException;
      throw new ApiError(504, "no_answer", "instance " + tunnel.instance().orElseThrow().id()
          + (late ? " did not list its scripts within " + Snapshots.SCRIPTS_PATIENCE.toSeconds()
              + " s" : " could not list its scripts") + "; try again");
    }
    if (answer.error() != null) {
      throw new ApiError(502, "scripts_unavailable", answer.error());
    }
    ObjectNode body = Json.MAPPER.createObjectNode()
        .put("instance", tunnel.instance().orElseThrow().id());
    answer.urls().forEach(body.putArray("scripts")::add);
    if (!body.has("scripts")) {
      body.putArray("scripts");
    }
    exchange.json(200, body);
  }

  private UserPrincipal user(Exchange exchange) throws Exception {
    return verifier.verifyUser(TokenVerifier.bearer(exchange.header("Authorization")));
  }

  private static String granted(Exchange exchange, UserPrincipal user) {
    String function = exchange.pathParam(0);
    if (!FunctionName.isValid(function)) {
      throw ApiError.badRequest("invalid_function", FunctionName.DESCRIPTION);
    }
    if (!user.mayDebug(function)) {
      throw ApiError.forbidden("no_grant",
          "your token does not grant function " + function + "; ask for a token that does");
    }
    return function;
  }

  private static ApiError notFound(String function, String id) {
    return ApiError.notFound("point_not_found", "function " + function + " has no snapshot point "
        + id + "; GET /api/functions/" + function + "/snapshots lists them");
  }

  private static JsonNode parse(byte[] body) {
    try {
      return Json.MAPPER.readTree(body);
    } catch (IOException e) {
      throw ApiError.badRequest("bad_body", "the body is not JSON; send e.g. {\"url\":"
          + " \"handler.js\", \"line\": 12}");
    }
  }
}
