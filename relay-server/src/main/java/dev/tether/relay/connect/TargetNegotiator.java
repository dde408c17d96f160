package dev.tether.relay.connect;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.relay.config.Origins;
import dev.tether.relay.http.ApiError;
import dev.tether.relay.http.Json;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * Accepts a debugger's WebSocket on {@code /<target id>}: a page's Origin must be Chrome's
 * DevTools or this endpoint's own (editors and libraries send none), the target must be listed, and the relay must open a session on
 * its instance and accept the session socket; only then is the upgrade accepted. Any refusal is
 * the relay's status and explanation (or the endpoint's own) as an HTTP answer with a JSON body.
 */
final class TargetNegotiator implements WebSocketNegotiator {
  private static final Logger LOG = LoggerFactory.getLogger(TargetNegotiator.class);
  private static final int MAX_FRAME = 64 * 1024;

  private final ConnectConfig config;
  private final RelayClient relayApi;
  private final HttpClient http;
  private final LocalTargets targets;
  private final Bridges bridges;

  TargetNegotiator(ConnectConfig config, RelayClient relayApi, HttpClient http,
      LocalTargets targets, Bridges bridges) {
    this.config = config;
    this.relayApi = relayApi;
    this.http = http;
    this.targets = targets;
    this.bridges = bridges;
  }

  @Override
  public FrameHandler negotiate(
      ServerUpgradeRequest request, ServerUpgradeResponse response, Callback callback) {
    try {
      return attach(request);
    } catch (ApiError e) {
      LOG.info("debugger refused status={} error={}", e.status(), e.code());
      Json.error(response, callback, e);
      return null;
    }
  }

  private FrameHandler attach(ServerUpgradeRequest request) {
    String origin = request.getHeaders().get(HttpHeader.ORIGIN);
    if (origin != null && !allowedOrigin(origin,
        request.getHeaders().get(HttpHeader.HOST))) {
      throw ApiError.forbidden("origin_not_allowed", "web pages from " + origin + " may not use"
          + " tether connect; attach with Chrome's DevTools, an editor or a CDP library");
    }
    String id = Request.getPathInContext(request).substring(1);
    LocalTargets.Target target = targets.find(id).orElseThrow(() -> ApiError.notFound(
        "target_not_found", "no target " + id + " (instances come and go); list the live ones at"
            + " /json/list"));
    RelayClient.OpenedSession session;
    try {
      session = relayApi.open(target.instance());
    } catch (RelayRefusal e) {
      throw new ApiError(e.status(), e.code(), e.getMessage());
    }
    Bridge bridge = new Bridge(relayApi, session.id(), target.instance());
    try {
      http.newWebSocketBuilder().connectTimeout(config.timeout())
          .buildAsync(session.webSocketDebuggerUrl(), new RelayToLocal(bridge))
          .get(config.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      relayApi.end(session.id());
      throw refusal(e.getCause());
    } catch (TimeoutException e) {
      relayApi.end(session.id());
      throw new ApiError(504, "relay_timeout", "the relay did not accept the session socket within "
          + config.timeout().toSeconds() + " s; try again");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      relayApi.end(session.id());
      throw new ApiError(503, "interrupted", "tether connect is shutting down");
    }
    bridges.add(bridge);
    return new LocalToRelay(bridge);
  }

  /** The relay's refusal of the session socket, passed on with its status and reason. */
  private ApiError refusal(Throwable cause) {
    if (cause instanceof WebSocketHandshakeException refused) {
      int status = refused.getResponse().statusCode();
      Object body = refused.getResponse().body();
      try {
        JsonNode error = Json.MAPPER.readTree(String.valueOf(body));
        return new ApiError(status, error.path("error").asText("relay_refused"),
            "the relay refused the session socket: " + error.path("message").asText());
      } catch (Exception notJson) {
        return new ApiError(502, "relay_refused", "the relay refused the session socket with HTTP "
            + status);
      }
    }
    return new ApiError(502, "relay_unreachable", "cannot open the session socket at the relay "
        + config.relay() + " (" + cause.getClass().getSimpleName() + ")"); // its text may hold the ticket URL
  }

  @Override
  public void customize(Configuration configuration) {
    // Large DevTools frames arrive split; each part goes on as a part of the same message.
    configuration.setMaxFrameSize(MAX_FRAME);
    configuration.setAutoFragment(true);
    configuration.setMaxTextMessageSize(Long.MAX_VALUE); // never aggregated: the relay enforces its limit
    configuration.setMaxBinaryMessageSize(Long.MAX_VALUE);
    configuration.setIdleTimeout(Duration.ZERO); // a paused debugger may be silent for hours
  }

  /**
   * Chrome's DevTools (chrome://inspect opens it), or a page of this very endpoint (it serves
   * none, so only a tool that names it); never another web page, which would ride on the token.
   */
  private static boolean allowedOrigin(String origin, String host) {
    Optional<String> normal = Origins.ofHeader(origin);
    return normal.equals(Optional.of("devtools://devtools"))
        || (host != null && normal.isPresent()
            && normal.equals(Origins.ofHeader("http://" + host.strip())));
  }
}
