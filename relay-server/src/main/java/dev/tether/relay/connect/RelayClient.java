package dev.tether.relay.connect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.relay.http.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The relay's HTTP API as {@code tether connect} uses it, with the user's token: the function's
 * live instances, and one session per debugger connection (opened, then ended when it leaves).
 * Every refusal becomes a {@link RelayRefusal} carrying the relay's own status and explanation.
 */
final class RelayClient {
  /** A live instance of the function, as {@code GET /api/functions} lists it. */
  record LiveInstance(String id, String runtime) {}

  /** A session the relay opened: its id and the URL (with a ticket) to attach to it. */
  record OpenedSession(String id, URI webSocketDebuggerUrl) {}

  private final ConnectConfig config;
  private final HttpClient http;
  /** A token the relay refused stays refused; chrome://inspect polls /json/list every second. */
  private static final long REFUSAL_MEMORY_NANOS = Duration.ofSeconds(30).toNanos();
  private volatile RelayRefusal refusedToken;
  private volatile long refusedAt;

  RelayClient(ConnectConfig config, HttpClient http) {
    this.config = config;
    this.http = http;
  }

  /** The function's live instances the token may debug (only {@code --instance}, when given). */
  List<LiveInstance> instances() throws RelayRefusal {
    RelayRefusal refused = refusedToken;
    if (refused != null && System.nanoTime() - refusedAt < REFUSAL_MEMORY_NANOS) {
      throw refused; // asking again would only add an auth failure to the relay's audit trail
    }
    JsonNode functions;
    try {
      functions = call(request("/api/functions").GET(), 200);
    } catch (RelayRefusal e) {
      if (e.status() == 401) {
        refusedAt = System.nanoTime();
        refusedToken = e;
      }
      throw e;
    }
    List<LiveInstance> live = new ArrayList<>();
    for (JsonNode function : functions) {
      if (!config.function().equals(function.path("function").asText())) {
        continue;
      }
      for (JsonNode instance : function.path("instances")) {
        String id = instance.path("id").asText();
        if (config.instance() == null || config.instance().equals(id)) {
          live.add(new LiveInstance(id, instance.path("runtime").asText()));
        }
      }
    }
    return live;
  }

  /** Opens a session on one instance; always names it, since several may be live. */
  OpenedSession open(String instance) throws RelayRefusal {
    ObjectNode body = Json.MAPPER.createObjectNode()
        .put("function", config.function()).put("instance", instance);
    if (config.mode() != null) {
      body.put("mode", config.mode());
    }
    JsonNode session = call(request("/api/sessions")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString())), 201);
    String url = session.path("webSocketDebuggerUrl").asText("");
    if (url.isEmpty()) {
      throw new RelayRefusal(502, "relay_answer_unexpected",
          "the relay opened a session but sent no webSocketDebuggerUrl; is " + config.relay()
              + " a Tether relay of the same version?");
    }
    return new OpenedSession(session.path("sessionId").asText(), URI.create(url));
  }

  /** Ends a session whose debugger left, so it does not count against the user's sessions. */
  CompletableFuture<?> end(String sessionId) {
    return http.sendAsync(request("/api/sessions/" + sessionId).DELETE().build(),
        HttpResponse.BodyHandlers.discarding());
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(config.relayUri(path))
        .timeout(config.timeout())
        .header("Authorization", "Bearer " + config.token())
        .header("Accept", "application/json");
  }

  private JsonNode call(HttpRequest.Builder request, int expected) throws RelayRefusal {
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new RelayRefusal(502, "relay_unreachable", "cannot reach the relay at "
          + config.relay() + " (" + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); check --relay");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RelayRefusal(503, "interrupted", "tether connect is shutting down");
    }
    JsonNode body = parse(response.body());
    if (response.statusCode() == expected && body != null) {
      return body;
    }
    if (body != null && body.hasNonNull("error") && body.hasNonNull("message")) {
      throw new RelayRefusal(response.statusCode(), body.get("error").asText(),
          "the relay refused: " + body.get("message").asText() + hint(response.statusCode()));
    }
    throw new RelayRefusal(502, "relay_answer_unexpected", "the relay at " + config.relay()
        + " answered HTTP " + response.statusCode() + " without a Tether error; is --relay the"
        + " relay's address?");
  }

  private static String hint(int status) {
    return status == 401 ? " (the token comes from TETHER_TOKEN or --token)" : "";
  }

  private static JsonNode parse(String text) {
    try {
      return text == null || text.isBlank() ? null : Json.MAPPER.readTree(text);
    } catch (IOException e) {
      return null;
    }
  }
}
