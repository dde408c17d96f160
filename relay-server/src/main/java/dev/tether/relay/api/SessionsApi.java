package dev.tether.relay.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.relay.agent.AgentRegistry;
import dev.tether.relay.agent.AgentTunnel;
import dev.tether.relay.audit.AuditCode;
import dev.tether.relay.audit.AuditEvent;
import dev.tether.relay.audit.AuditSink;
import dev.tether.relay.auth.IssuedTicket;
import dev.tether.relay.auth.Mode;
import dev.tether.relay.auth.TicketMinting;
import dev.tether.relay.auth.TokenIssuer;
import dev.tether.relay.auth.TokenVerifier;
import dev.tether.relay.auth.UserPrincipal;
import dev.tether.relay.cluster.Cluster;
import dev.tether.relay.cluster.ClusterStore;
import dev.tether.relay.cluster.Forwarder;
import dev.tether.relay.devtools.DebugUrls;
import dev.tether.relay.http.ApiError;
import dev.tether.relay.http.Exchange;
import dev.tether.relay.http.Input;
import dev.tether.relay.http.Json;
import dev.tether.relay.http.Router;
import dev.tether.relay.policy.SessionQuota;
import dev.tether.relay.session.EndReason;
import dev.tether.relay.session.Session;
import dev.tether.relay.session.Sessions;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code POST /api/sessions} opens a session on a live instance (the one named, or the function's
 * only one), or with {@code "scope": "function"} on the function (every instance, as they come
 * and go) and hands out the URLs to attach with a fresh ticket; {@code GET} shows one (with a fresh ticket while DevTools may attach) and
 * {@code DELETE} ends it. Only the owner or an admin sees a session.
 */
public final class SessionsApi {
  private static final int MAX_BODY = 16 * 1024;
  /** How many instance ids an instance_required message names. */
  private static final int MAX_LISTED = 20;

  private final Callers callers;
  private final AgentRegistry registry;
  private final Sessions sessions;
  private final TokenIssuer issuer;
  private final DebugUrls urls;
  private final Duration ticketTtl;
  private final AuditSink audit;
  private final SessionQuota quota;
  private final TicketMinting minting;
  private Cluster cluster;
  private Forwarder forwarder;

  public SessionsApi(
      TokenVerifier verifier, AgentRegistry registry, Sessions sessions, TokenIssuer issuer,
      DebugUrls urls, Duration ticketTtl, AuditSink audit, SessionQuota quota,
      TicketMinting minting) {
    this.audit = audit;
    this.quota = quota;
    this.minting = minting;
    this.callers = new Callers(verifier);
    this.registry = registry;
    this.sessions = sessions;
    this.issuer = issuer;
    this.urls = urls;
    this.ticketTtl = ticketTtl;
  }

  /**
   * In a cluster: a session on an instance of another node is opened, shown and ended by that
   * node (the request is forwarded there with the caller's token).
   */
  public SessionsApi cluster(Cluster cluster,
      Forwarder forwarder) {
    this.cluster = cluster;
    this.forwarder = forwarder;
    return this;
  }

  public void routes(Router router) {
    router.on("POST", "/api/sessions", this::create);
    router.on("GET", "/api/sessions/{id}", this::show);
    router.on("DELETE", "/api/sessions/{id}", this::delete);
  }

  private void create(Exchange exchange) throws Exception {
    UserPrincipal user = callers.user(exchange);
    if (!audit.acceptsSessions()) {
      throw new ApiError(503, "audit_unavailable",
          "the relay cannot write its audit trail and is configured to fail closed, so it opens"
              + " no new sessions; an operator must fix the audit store (see the relay's log)");
    }
    byte[] raw = exchange.body(MAX_BODY);
    JsonNode body = parse(raw);
    String function = text(body, "function", true);
    String instanceId = text(body, "instance", false);
    Mode mode = mode(user, text(body, "mode", false));
    if (!user.mayDebug(function) || !user.mayOpen(mode)) {
      audit.record(AuditEvent.of(AuditCode.POLICY_DENIED).actor(user.subject())
          .role(user.role().claim()).function(function)
          .remote(exchange.remoteAddress()).detail("at", "api")
          .detail("error", user.mayDebug(function) ? "mode_not_granted" : "no_grant")
          .detail("mode", mode.claim()).build());
    }
    if (!user.mayDebug(function)) {
      throw ApiError.forbidden("no_grant",
          user.subject() + " may not debug " + function + "; ask an admin for a token that grants"
              + " it");
    }
    if (!user.mayOpen(mode)) {
      throw ApiError.forbidden("mode_not_granted",
          user.subject() + " may not open " + mode.claim() + " sessions; ask for "
              + otherMode(mode).claim() + " instead");
    }
    boolean functionScope = scope(text(body, "scope", false));
    if (functionScope && instanceId != null) {
      throw ApiError.badRequest("bad_body",
          "a function session follows every instance; leave out \"instance\", or send"
              + " \"scope\": \"instance\" to debug that one instance");
    }
    if (!functionScope && clustered(exchange)) {
      var elsewhere = elsewhere(function, instanceId);
      if (elsewhere.isPresent()) {
        forwarder.forward(exchange, "POST", "/api/sessions", raw, elsewhere.get().peer(),
            elsewhere.get().node());
        return;
      }
    }
    String instance = functionScope ? Session.ALL_INSTANCES : instanceOf(function, instanceId);
    mayMintTicket(exchange, user);
    Session session = quota.admit(user.id(), function, instance,
        () -> sessions.create(user.id(), function, instance, mode));
    if (cluster != null) {
      cluster.publish(session);
    }
    audit.record(AuditEvent.of(AuditCode.SESSION_REQUESTED).actor(user.subject())
        .role(user.role().claim()).function(function)
        .instance(session.instance()).session(session.id()).remote(exchange.remoteAddress())
        .detail("issuer", user.issuer()).detail("mode", mode.claim())
        .detail("scope", functionScope ? "function" : "instance")
        .detail("expiresAt", session.expiresAt().toString()).build());
    exchange.header("Location", "/api/sessions/" + session.id());
    exchange.json(201, view(session, true));
  }

  /** The live instance an instance session goes to: the one named, or the function's only one. */
  private String instanceOf(String function, String instanceId) {
    List<AgentTunnel> instances = registry.instancesOf(function);
    if (instances.isEmpty()) {
      throw ApiError.notFound("no_instance",
          "no instance of " + function + " is online — is the shim running?");
    }
    AgentTunnel tunnel = instanceId == null
        ? onlyInstance(function, instances)
        : registry.find(function, instanceId).orElseThrow(() ->
            ApiError.conflict("instance_not_online",
                "instance " + instanceId + " of " + function + " is not online; pick one from"
                    + " GET /api/functions"));
    if (tunnel.targets().isEmpty()) {
      throw ApiError.conflict("no_target",
          "instance " + tunnel.instance().orElseThrow().id() + " of " + function
              + " reports no inspector target yet; try again in a moment");
    }
    return tunnel.instance().orElseThrow().id();
  }

  private boolean clustered(Exchange exchange) {
    return cluster != null && !Forwarder.wasForwarded(exchange);
  }

  /**
   * The instance of another node a session goes to: the one named when this node lacks it, or
   * the function's only instance in the whole cluster. Several in the cluster and none named: the
   * caller picks, as on one node.
   */
  private Optional<Cluster.RemoteInstance> elsewhere(
      String function, String instanceId) {
    try {
      if (instanceId != null) {
        return registry.find(function, instanceId).isPresent()
            ? Optional.empty() : cluster.findRemote(function, instanceId);
      }
    } catch (ClusterStore.Unavailable e) {
      throw Cluster.unavailable("open a session on another node");
    }
    List<AgentTunnel> here = registry.instancesOf(function);
    List<Cluster.RemoteInstance> there = cluster.remoteInstances()
        .stream().filter(i -> i.function().equals(function)).toList();
    if (here.size() + there.size() > 1 && !there.isEmpty()) {
      List<String> ids = new ArrayList<>();
      here.forEach(t -> ids.add(t.instance().orElseThrow().id()));
      there.forEach(i -> ids.add(i.instance()));
      Collections.sort(ids);
      throw ApiError.conflict("instance_required", function + " has " + ids.size()
          + " live instances (" + String.join(", ", ids.subList(0, Math.min(MAX_LISTED,
              ids.size()))) + "); pick one and send it as \"instance\" (GET /api/functions lists"
          + " them)");
    }
    return here.isEmpty() && there.size() == 1
        ? Optional.of(there.get(0)) : Optional.empty();
  }

  /** Forwards a request about a session another node holds; false when it is not one. */
  private boolean forwardedToHolder(Exchange exchange, String method, String id) {
    if (!clustered(exchange) || sessions.find(id).isPresent()) {
      return false;
    }
    try {
      var held = cluster.remoteSession(id);
      if (held.isEmpty()) {
        return false;
      }
      forwarder.forward(exchange, method, "/api/sessions/" + id, null,
          URI.create(held.get().path("peer").asText()), held.get().path("node").asText());
      return true;
    } catch (ClusterStore.Unavailable e) {
      throw Cluster.unavailable("reach sessions of other nodes");
    }
  }

  /** True for {@code "function"}; the default is {@code "instance"}. */
  private static boolean scope(String requested) {
    if (requested == null || requested.equals("instance")) {
      return false;
    }
    if (requested.equals("function")) {
      return true;
    }
    throw ApiError.badRequest("bad_body", "\"scope\" must be \"instance\" (one instance, the"
        + " default) or \"function\" (every instance of the function, as they come and go)");
  }

  /**
   * The instance a session without {@code instance} goes to: the function's only live instance.
   * With several, the caller picks; the relay never guesses, because "the newest" is whoever
   * registered last with the function's agent token, and that may be someone else's process.
   */
  private static AgentTunnel onlyInstance(String function, List<AgentTunnel> instances) {
    if (instances.size() == 1) {
      return instances.get(0);
    }
    List<String> ids = instances.stream()
        .map(tunnel -> tunnel.instance().orElseThrow().id()).sorted().toList();
    String listed = ids.size() <= MAX_LISTED
        ? String.join(", ", ids)
        : String.join(", ", ids.subList(0, MAX_LISTED)) + " and " + (ids.size() - MAX_LISTED)
            + " more";
    throw ApiError.conflict("instance_required",
        function + " has " + ids.size() + " live instances (" + listed + "); pick one and send"
            + " it as \"instance\" (GET /api/functions lists them)");
  }

  private void show(Exchange exchange) throws Exception {
    UserPrincipal user = callers.user(exchange);
    if (forwardedToHolder(exchange, "GET", exchange.pathParam(0))) {
      return;
    }
    Session session = owned(user, exchange.pathParam(0));
    boolean withTicket = session.state().awaitsDevTools();
    if (withTicket) {
      mayMintTicket(exchange, user);
    }
    exchange.json(200, view(session, withTicket));
  }

  /** A 429 with Retry-After once the user has had their tickets for this minute. */
  private void mayMintTicket(Exchange exchange, UserPrincipal user) {
    Duration wait = minting.take(user.id());
    if (!wait.isZero()) {
      exchange.header("Retry-After", String.valueOf(wait.toSeconds()));
      throw new ApiError(429, "too_many_tickets",
          user.subject() + " asked for more than " + minting.perMinute() + " attach tickets in a"
              + " minute; wait " + wait.toSeconds() + " s (Retry-After) and reuse the URLs you"
              + " have: each stays valid until its ticketExpiresAt");
    }
  }

  private void delete(Exchange exchange) throws Exception {
    UserPrincipal user = callers.user(exchange);
    if (forwardedToHolder(exchange, "DELETE", exchange.pathParam(0))) {
      return;
    }
    Session session = owned(user, exchange.pathParam(0));
    sessions.end(session, user.isAdmin() && !user.id().equals(session.owner())
            ? EndReason.TERMINATED : EndReason.CLOSED,
        "the session was ended by " + user.subject(), user.subject());
    exchange.json(200, view(session, false));
  }

  private Session owned(UserPrincipal user, String id) {
    Session session = sessions.find(id).orElseThrow(() ->
        ApiError.notFound("session_not_found",
            "no session " + id + " (ended sessions are forgotten after a while); start a new one"));
    // Issuer and subject: the same sub from another trusted issuer is another person.
    if (!user.isAdmin() && !user.id().equals(session.owner())) {
      throw ApiError.forbidden("not_your_session",
          "session " + id + " belongs to another user; only its owner or an admin may see it");
    }
    return session;
  }

  private Map<String, Object> view(Session session, boolean withTicket) {
    Session.Snapshot now = session.snapshot();
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("sessionId", session.id());
    view.put("function", session.function());
    view.put("scope", session.functionScope() ? "function" : "instance");
    if (!session.functionScope()) {
      view.put("instance", session.instance());
    }
    view.put("mode", session.mode().claim());
    view.put("state", now.state().wire());
    view.put("user", session.subject());
    view.put("issuer", session.owner().issuer());
    view.put("createdAt", session.createdAt().toString());
    view.put("expiresAt", session.expiresAt().toString());
    if (now.endReason() != null) {
      view.put("endReason", now.endReason().wire());
      view.put("endMessage", now.endMessage());
      view.put("endedAt", now.endedAt().toString());
    }
    if (withTicket) {
      IssuedTicket ticket = issuer.ticket(session.id(), session.subject(), session.function(),
          session.instance(), session.mode(), ticketTtl);
      view.put("ticketExpiresAt", ticket.claims().expiresAt().toString());
      view.put("webSocketDebuggerUrl", urls.webSocketDebuggerUrl(ticket.token()));
      view.put("devtoolsFrontendUrl", session.functionScope()
          ? urls.nodeFrontendUrl(ticket.token()) : urls.devtoolsFrontendUrl(ticket.token()));
      view.put("chromeDevtoolsUrl", session.functionScope()
          ? urls.chromeNodeUrl(ticket.token()) : urls.chromeDevtoolsUrl(ticket.token()));
      view.put("vscode", urls.vscode(session.function(), ticket.token()));
    }
    return view;
  }

  private static JsonNode parse(byte[] body) {
    try {
      JsonNode node = Json.MAPPER.readTree(body);
      if (node == null || !node.isObject()) {
        throw new IOException("not an object");
      }
      return node;
    } catch (IOException e) {
      throw ApiError.badRequest("bad_body",
          "send a JSON object like {\"function\": \"orders\", \"instance\": \"(optional)\","
              + " \"mode\": \"full|readonly\"}");
    }
  }

  private static String text(JsonNode body, String field, boolean required) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      if (required) {
        throw ApiError.badRequest("bad_body",
            "\"" + field + "\" is required, e.g. {\"function\": \"orders\"}");
      }
      return null;
    }
    if (!value.isTextual() || value.asText().isBlank() || value.asText().length() > 200) {
      throw ApiError.badRequest("bad_body",
          "\"" + field + "\" must be a non-empty string of at most 200 characters");
    }
    String text = value.asText();
    return field.equals("function")
        ? Input.functionName("\"function\"", text) : Input.text("\"" + field + "\"", text);
  }

  private static Mode mode(UserPrincipal user, String requested) {
    if (requested == null) {
      return user.mayOpen(Mode.FULL) ? Mode.FULL : Mode.READONLY;
    }
    Mode mode = Mode.fromClaim(requested);
    if (mode == null) {
      throw ApiError.badRequest("bad_body", "\"mode\" must be \"full\" or \"readonly\"");
    }
    return mode;
  }

  private static Mode otherMode(Mode mode) {
    return mode == Mode.FULL ? Mode.READONLY : Mode.FULL;
  }
}
