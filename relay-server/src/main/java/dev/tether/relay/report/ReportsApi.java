package dev.tether.relay.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.protocol.FunctionName;
import dev.tether.relay.auth.TokenVerifier;
import dev.tether.relay.auth.UserPrincipal;
import dev.tether.relay.http.ApiError;
import dev.tether.relay.http.Exchange;
import dev.tether.relay.http.Json;
import dev.tether.relay.http.Router;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/functions/{name}/reports} (summaries, newest first) and {@code
 * GET /api/functions/{name}/reports/{id}} (one report with Node's whole redacted report), for
 * users granted the function.
 */
public final class ReportsApi {
  private static final Logger LOG = LoggerFactory.getLogger(ReportsApi.class);
  private static final Pattern ID = Pattern.compile("r-[0-9]{13}-[0-9a-f]{8}");

  private final TokenVerifier verifier;
  private final ReportStore store;

  public ReportsApi(TokenVerifier verifier, ReportStore store) {
    this.verifier = verifier;
    this.store = store;
  }

  public void routes(Router router) {
    router.on("GET", "/api/functions/{name}/reports", this::list);
    router.on("GET", "/api/functions/{name}/reports/{id}", this::one);
  }

  private void list(Exchange exchange) throws Exception {
    String function = granted(exchange);
    try {
      exchange.json(200, store.list(function).stream().map(CrashReport::summary).toList());
    } catch (ReportStore.ReportStoreException e) {
      throw unavailable(e);
    }
  }

  private static ApiError unavailable(ReportStore.ReportStoreException e) {
    LOG.warn("crash reports unavailable reason=\"{}\"", e.getMessage());
    return new ApiError(503, "reports_unavailable",
        "the relay cannot read its crash reports right now; try again, or ask the operator to"
            + " check the report store (the relay's log says why)");
  }

  private void one(Exchange exchange) throws Exception {
    String function = granted(exchange);
    String id = exchange.pathParam(1);
    Optional<CrashReport> found;
    try {
      found = ID.matcher(id).matches() ? store.find(function, id) : Optional.empty();
    } catch (ReportStore.ReportStoreException e) {
      throw unavailable(e);
    }
    CrashReport report = found.orElseThrow(() -> ApiError.notFound("report_not_found",
            "function " + function + " has no crash report " + id
                + "; GET /api/functions/" + function + "/reports lists them"));
    ObjectNode body = Json.MAPPER.valueToTree(report.summary());
    body.set("stack", Json.MAPPER.valueToTree(report.stack()));
    body.set("report", report.report());
    exchange.json(200, body);
  }

  private String granted(Exchange exchange) throws Exception {
    UserPrincipal user = verifier.verifyUser(TokenVerifier.bearer(exchange.header("Authorization")));
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
}
