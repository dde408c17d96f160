package dev.tether.relay.metrics;

import dev.tether.relay.http.ApiError;
import dev.tether.relay.http.Json;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** Serves {@code GET /metrics} to the callers {@link MetricsAccess} lets in; passes the rest on. */
public final class MetricsHandler extends Handler.Wrapper {
  public static final String PATH = "/metrics";

  private final RelayMetrics metrics;
  private final MetricsAccess access;

  public MetricsHandler(RelayMetrics metrics, MetricsAccess access, Handler next) {
    super(next);
    this.metrics = metrics;
    this.access = access;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    if (!PATH.equals(Request.getPathInContext(request))) {
      return super.handle(request, response, callback);
    }
    if (!"GET".equals(request.getMethod())) {
      response.getHeaders().put(HttpHeader.ALLOW, "GET");
      refuse(response, callback, new ApiError(405, "method_not_allowed",
          request.getMethod() + " is not supported on " + PATH + "; use GET"));
      return true;
    }
    Optional<MetricsAccess.Denied> denied =
        access.check(Request.getRemoteAddr(request), name -> request.getHeaders().get(name));
    if (denied.isPresent()) {
      MetricsAccess.Denied d = denied.get();
      refuse(response, callback, new ApiError(d.status(), d.code(), d.message()));
      return true;
    }
    byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, PrometheusText.CONTENT_TYPE);
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.write(true, ByteBuffer.wrap(body), callback);
    return true;
  }

  private void refuse(Response response, Callback callback, ApiError error) {
    metrics.refused("metrics", error.code());
    Json.error(response, callback, error);
  }
}
