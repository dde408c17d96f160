package dev.tether.relay.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.relay.audit.AuditCode;
import dev.tether.relay.audit.AuditEvent;
import dev.tether.relay.audit.AuditLog;
import dev.tether.relay.audit.AuditQuery;
import dev.tether.relay.audit.AuditRecord;
import dev.tether.relay.auth.AuthException;
import dev.tether.relay.auth.TokenVerifier;
import dev.tether.relay.auth.UserPrincipal;


import dev.tether.relay.cluster.Cluster;
import dev.tether.relay.cluster.ClusterStore;
import dev.tether.relay.http.ApiError;
import dev.tether.relay.http.Exchange;
import dev.tether.relay.http.Input;
import dev.tether.relay.http.Json;
import dev.tether.relay.http.Router;
import dev.tether.relay.session.EndReason;
import dev.tether.relay.session.Session;
import dev.tether.relay.session.SessionState;
import dev.tether.relay.session.SessionView;
import dev.tether.relay.session.Sessions;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The admins' API: live sessions with their traffic, terminating one with a reason the DevTools
 * client sees, and querying or exporting the audit trail. Admin role only; everyone else gets a
 * 403, which is itself recorded.
 */
public final class AdminApi {
  private static final int MAX_BODY = 4 * 1024;
  private static final int MAX_REASON = 200;
  private static final int DEFAULT_LIMIT = 100;

  private final TokenVerifier verifier;
  private final Sessions sessions;
  private final AuditLog audit;
  private final Clock clock;
  private Cluster cluster;

  public AdminApi(TokenVerifier verifier, Sessions sessions, AuditLog audit, Clock clock) {
    this.verifier = verifier;
    this.sessions = sessions;
    this.audit = audit;
    this.clock = clock;
  }

  /** In a cluster: every node's sessions are listed, and terminating reaches any node's. */
  public AdminApi cluster(Cluster cluster) {
    this.cluster = cluster;
    return this;
  }

  public void routes(Router router) {
    router.on("GET", "/api/admin/sessions", this::liveSessions);
    router.on("DELETE", "/api/admin/sessions/{id}", this::terminate);
    router.on("GET", "/api/admin/audit", this::events);
  }

  private UserPrincipal admin(Exchange exchange) throws AuthException {
    UserPrincipal user = verifier.verifyUser(TokenVerifier.bearer(exchange.header("Authorization")));
    if (!user.isAdmin()) {
      audit.record(AuditEvent.of(AuditCode.POLICY_DENIED).at(clock.instant())
          .actor(user.subject()).role(user.role().claim()).remote(exchange.remoteAddress())
          .detail("at", "admin").detail("error", "admin_required").build());
      throw ApiError.forbidden("admin_required",
          user.subject() + " is not an admin; the admin API needs a token with role admin");
    }
    return user;
  }

  private void liveSessions(Exchange exchange) throws Exception {
    admin(exchange);
    List<Session> live = new ArrayList<>(sessions.live());
    live.sort(Comparator.comparing(Session::createdAt).reversed());
    List<Map<String, Object>> views = new ArrayList<>();
    for (Session session : live) {
      Map<String, Object> view = SessionView.of(session);
      if (cluster != null) {
        view.put("node", cluster.nodeId());
      }
      views.add(view);
    }
    if (cluster == null) {
      exchange.json(200, views);
      return;
    }
    List<Object> all = new ArrayList<>(views);
    try {
      all.addAll(cluster.remoteSessions());
    } catch (ClusterStore.Unavailable e) {
      exchange.header("X-Tether-Partial", "this node's sessions only: the cluster's Redis is down");
    }
    exchange.json(200, all);
  }

  private void terminate(Exchange exchange) throws Exception {
    UserPrincipal admin = admin(exchange);
    String reason = reason(exchange);
    String id = exchange.pathParam(0);
    if (cluster != null && sessions.find(id).isEmpty()) {
      terminateElsewhere(exchange, admin, id, reason);
      return;
    }
    Session session = sessions.find(id).orElseThrow(() -> ApiError.notFound("session_not_found",
        "no session " + id + "; GET /api/admin/sessions lists the live ones"));
    if (session.state() == SessionState.ENDED) {
      throw ApiError.conflict("session_ended", "session " + id + " has ended already ("
          + session.snapshot().endReason().wire() + ")");
    }
    sessions.end(session, EndReason.TERMINATED,
        "terminated by admin " + admin.subject() + ": " + reason, admin.subject());
    exchange.json(200, SessionView.of(session));
  }

  /** A session another node holds: that node ends it when it hears the command (202). */
  private void terminateElsewhere(Exchange exchange, UserPrincipal admin, String id,
      String reason) {
    try {
      var session = cluster.remoteSession(id).orElseThrow(() -> ApiError.notFound(
          "session_not_found", "no session " + id + " on any node of the cluster; GET"
              + " /api/admin/sessions lists the live ones"));
      cluster.terminate(id, "terminated by admin " + admin.subject() + ": " + reason,
          admin.subject());
      exchange.json(202, session);
    } catch (ClusterStore.Unavailable e) {
      throw Cluster.unavailable("reach sessions of other nodes");
    }
  }

  private void events(Exchange exchange) throws Exception {
    admin(exchange);
    String format = exchange.query("format").orElse("json");
    if (!List.of("json", "jsonl", "csv").contains(format)) {
      throw ApiError.badRequest("bad_format", "format must be json, jsonl or csv");
    }
    AuditQuery query = new AuditQuery(
        exchange.query("from").map(v -> instant("from", v)),
        exchange.query("to").map(v -> instant("to", v)),
        exchange.query("user"),
        exchange.query("function"),
        exchange.query("type"),
        exchange.query("session"),
        exchange.query("cursor").map(AdminApi::cursor),
        limit(exchange.query("limit")));
    AuditQuery.Page page;
    try {
      page = audit.store().query(query);
    } catch (IOException e) {
      throw new ApiError(503, "audit_unavailable",
          "the audit store cannot be read right now (" + e.getMessage() + "); try again");
    }
    page.next().ifPresent(next -> exchange.header("X-Next-Cursor", String.valueOf(next)));
    switch (format) {
      case "jsonl" -> {
        exchange.header("Content-Disposition", "attachment; filename=\"tether-audit.jsonl\"");
        exchange.send(200, "application/x-ndjson", AuditExport.jsonLines(page.records()));
      }
      case "csv" -> {
        exchange.header("Content-Disposition", "attachment; filename=\"tether-audit.csv\"");
        exchange.send(200, "text/csv; charset=utf-8", AuditExport.csv(page.records()));
      }
      default -> {
        List<Map<String, Object>> events = new ArrayList<>();
        for (int i = 0; i < page.records().size(); i++) {
          events.add(event(page.records().get(i), page.nodes().get(i)));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("events", events);
        body.put("nextCursor", page.next().map(String::valueOf).orElse(null));
        exchange.json(200, body);
      }
    }
  }

  private static String reason(Exchange exchange) {
    Optional<String> reason = exchange.query("reason");
    if (reason.isEmpty()) {
      byte[] body = exchange.body(MAX_BODY);
      if (body.length > 0) {
        try {
          JsonNode node = Json.MAPPER.readTree(body);
          reason = Optional.ofNullable(node == null ? null : node.path("reason").textValue());
        } catch (IOException e) {
          throw ApiError.badRequest("bad_body", "send {\"reason\": \"why\"} or ?reason=why");
        }
      }
    }
    String text = Input.text("\"reason\"",
        reason.map(r -> r.replaceAll("\\p{Cntrl}", " ").trim()).orElse(""));
    if (text.isEmpty()) {
      throw ApiError.badRequest("reason_required",
          "say why: ?reason=… or {\"reason\": \"…\"}; the developer sees it when DevTools closes");
    }
    if (text.length() > MAX_REASON) {
      throw ApiError.badRequest("reason_too_long",
          "the reason must be at most " + MAX_REASON + " characters");
    }
    return text;
  }

  private static Instant instant(String name, String value) {
    try {
      return value.length() == 10
          ? LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant()
          : Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw ApiError.badRequest("bad_" + name,
          name + " must be an ISO instant like 2025-01-31T12:00:00Z or a date like 2025-01-31");
    }
  }

  /** A record as the API shows it: its fields, and in a cluster the node that wrote it. */
  private static Map<String, Object> event(AuditRecord record, String node) {
    if (node.isEmpty()) {
      return record.fields();
    }
    Map<String, Object> event = new LinkedHashMap<>(record.fields());
    event.put("node", node);
    return event;
  }

  private static AuditQuery.Cursor cursor(String value) {
    try {
      return AuditQuery.Cursor.parse(value);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("bad_cursor", "cursor must be the nextCursor of a previous page");
    }
  }

  private static int limit(Optional<String> value) {
    try {
      int limit = value.map(Integer::parseInt).orElse(DEFAULT_LIMIT);
      if (limit >= 1 && limit <= AuditQuery.MAX_LIMIT) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw ApiError.badRequest("bad_limit", "limit must be between 1 and " + AuditQuery.MAX_LIMIT);
  }
}
