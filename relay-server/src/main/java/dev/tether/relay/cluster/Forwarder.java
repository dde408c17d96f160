package dev.tether.relay.cluster;

import dev.tether.relay.http.ApiError;
import dev.tether.relay.http.Exchange;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * Hands an API request to the node that holds its instance or session, as a load balancer with
 * perfect knowledge would have: the caller's own user token goes along and that node checks it
 * (all nodes trust the same key), so a forwarded request can do exactly what the caller may.
 * A request that was forwarded once is never forwarded again.
 */
public final class Forwarder {
  /** Marks a forwarded request (its value: the forwarding node); such a request stays put. */
  public static final String HEADER = "X-Tether-Forwarded-By";
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final List<String> PASSED_BACK = List.of("Location", "Retry-After");

  private final Cluster cluster;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  public Forwarder(Cluster cluster) {
    this.cluster = cluster;
  }

  /** True for a request another node forwarded here. */
  public static boolean wasForwarded(Exchange exchange) {
    return exchange.header(HEADER) != null;
  }

  /** Sends {@code method path} with {@code body} to {@code peer} and answers with its answer. */
  public void forward(Exchange exchange, String method, String path, byte[] body, URI peer,
      String node) {
    URI target = URI.create(peer.toString().replaceFirst("^ws", "http").replaceAll("/$", "") + path);
    HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(TIMEOUT)
        .header(HEADER, cluster.nodeId())
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body));
    String authorization = exchange.header("Authorization");
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    HttpResponse<byte[]> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new ApiError(502, "node_unreachable", "the relay node " + node + " that holds it does"
          + " not answer (it may have just stopped: its instances reconnect to another node within"
          + " seconds); try again in a moment");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiError(503, "interrupted", "the relay is shutting down");
    }
    for (String name : PASSED_BACK) {
      response.headers().firstValue(name).ifPresent(value -> exchange.header(name, value));
    }
    exchange.rawJson(response.statusCode(), response.body());
  }
}
