package dev.tether.relay.http;

import dev.tether.relay.auth.AuthException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's plain HTTP endpoints: a table of method + path → handler, in code. Unknown paths
 * get 404, known paths with another method 405, and every failure a JSON error body.
 */
public final class Router extends Handler.Abstract {
  private static final Logger LOG = LoggerFactory.getLogger(Router.class);

  /** Answers one request; throws {@link ApiError} or {@link AuthException} to refuse. */
  @FunctionalInterface
  public interface Route {
    void handle(Exchange exchange) throws Exception;
  }

  /** Told about every refused credential, e.g. to record it in the audit trail. */
  @FunctionalInterface
  public interface AuthFailures {
    void refused(Exchange exchange, String path, AuthException cause);
  }

  private record Entry(String method, Pattern path, Route route) {}

  private final List<Entry> entries = new ArrayList<>();
  private AuthFailures authFailures = (exchange, path, cause) -> {};
  private Consumer<ApiError> refusals = e -> {};

  public Router onAuthFailure(AuthFailures listener) {
    authFailures = listener;
    return this;
  }

  /** Tells {@code listener} about every error answer, e.g. to count refusals. */
  public Router onRefusal(Consumer<ApiError> listener) {
    refusals = listener;
    return this;
  }

  /** Adds a route; {@code {name}} in the path matches one segment, e.g. /api/sessions/{id}. */
  public Router on(String method, String path, Route route) {
    String regex = path.replace(".", "\\.").replaceAll("\\{[^/]+}", "([^/]+)");
    entries.add(new Entry(method, Pattern.compile(regex), route));
    return this;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String path = Request.getPathInContext(request);
    String method = request.getMethod();
    Set<String> allowed = new LinkedHashSet<>();
    for (Entry entry : entries) {
      Matcher matcher = entry.path().matcher(path);
      if (!matcher.matches()) {
        continue;
      }
      if (!entry.method().equals(method)) {
        allowed.add(entry.method());
        continue;
      }
      List<String> params = new ArrayList<>();
      for (int i = 1; i <= matcher.groupCount(); i++) {
        params.add(matcher.group(i));
      }
      run(entry.route(), new Exchange(request, response, callback, params), path);
      return true;
    }
    if (!allowed.isEmpty()) {
      response.getHeaders().put(HttpHeader.ALLOW, String.join(", ", allowed));
      refuse(response, callback, new ApiError(405, "method_not_allowed",
          method + " is not supported on " + path + "; use " + String.join(" or ", allowed)));
    } else {
      refuse(response, callback, ApiError.notFound("not_found",
          "nothing at " + path + "; see \"HTTP and WebSocket endpoints\" in Tether's README"
              + " (e.g. /api/functions)"));
    }
    return true;
  }

  private void refuse(Response response, Callback callback, ApiError error) {
    refusals.accept(error);
    Json.error(response, callback, error);
  }

  private void run(Route route, Exchange exchange, String path) {
    ApiError error;
    try {
      route.handle(exchange);
      return;
    } catch (ApiError e) {
      error = e;
    } catch (AuthException e) {
      authFailures.refused(exchange, safe(path), e);
      error = ApiError.from(e);
    } catch (Exception e) {
      LOG.error("request failed path={}", safe(path), e);
      error = new ApiError(500, "internal_error",
          "the relay failed to answer; its log says why (" + e.getClass().getSimpleName() + ")");
    }
    refusals.accept(error);
    exchange.error(error);
  }

  /** Paths under /devtools/ carry tickets, which never go into a log. */
  private static String safe(String path) {
    return path.startsWith("/devtools/") ? "/devtools/…" : path;
  }
}
