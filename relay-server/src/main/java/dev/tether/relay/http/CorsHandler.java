package dev.tether.relay.http;

import dev.tether.relay.config.Origins;
import java.util.List;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * CORS for {@code /api/*}: pages of the configured console origins (which embed
 * {@code <tether-debug-button>}) may call the API with a bearer token; any other origin gets no
 * CORS headers, so browsers keep its pages from reading any answer. No credentials: the API takes
 * tokens, never cookies. Answers preflights itself and adds the headers to every API response,
 * errors included, so the button can show the relay's own message.
 */
public final class CorsHandler extends Handler.Wrapper {
  static final String PREFIX = "/api/";
  static final String ALLOW_METHODS = "GET, POST, DELETE";
  static final String ALLOW_HEADERS = "Authorization, Content-Type";
  static final String MAX_AGE = "600";

  private final Set<String> origins;

  /** {@code consoleOrigins} as {@code RelayConfig} normalised them ({@link Origins}). */
  public CorsHandler(List<String> consoleOrigins, Handler next) {
    super(next);
    this.origins = Set.copyOf(consoleOrigins);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    if (!Request.getPathInContext(request).startsWith(PREFIX)) {
      return super.handle(request, response, callback);
    }
    String origin = request.getHeaders().get(HttpHeader.ORIGIN);
    boolean allowed = Origins.ofHeader(origin).map(origins::contains).orElse(false);
    // Every answer depends on the Origin, so caches must keep them apart.
    response.getHeaders().add(HttpHeader.VARY, "Origin");
    if (allowed) {
      response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN, origin.trim());
    }
    boolean preflight = HttpMethod.OPTIONS.is(request.getMethod())
        && request.getHeaders().contains(HttpHeader.ACCESS_CONTROL_REQUEST_METHOD);
    if (!preflight) {
      return super.handle(request, response, callback);
    }
    if (!allowed) {
      Json.error(response, callback, ApiError.forbidden("origin_not_allowed",
          "pages from " + (origin == null ? "this page" : origin) + " may not call this relay's API;"
              + " ask the operator to add the origin to consoleOrigins in the relay's config"));
      return true;
    }
    response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS);
    response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS);
    response.getHeaders().put(HttpHeader.ACCESS_CONTROL_MAX_AGE, MAX_AGE);
    response.setStatus(204);
    callback.succeeded();
    return true;
  }
}
