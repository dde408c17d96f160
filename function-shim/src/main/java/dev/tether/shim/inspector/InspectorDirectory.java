package dev.tether.shim.inspector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.protocol.Target;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * Asks a Node.js inspector what it debugs, over its HTTP endpoints {@code /json/version} and
 * {@code /json/list}.
 *
 * <p>WebSocket URLs are rebuilt from the address the shim was given plus the path Node published,
 * so a Host header or a bind address never sends the shim elsewhere.
 */
public final class InspectorDirectory {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration POLL = Duration.ofMillis(20);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);

  private final String hostPort;

  /** An inspector at {@code host:port}. */
  public InspectorDirectory(String hostPort) {
    this.hostPort = hostPort;
  }

  public String hostPort() {
    return hostPort;
  }

  /**
   * Fetches the inspector's runtime and targets, retrying every 20 ms for up to {@code patience}
   * while it does not answer yet (a freshly started Node opens its inspector within milliseconds).
   */
  public CompletableFuture<InspectorSnapshot> fetch(Duration patience) {
    long deadline = System.nanoTime() + patience.toNanos();
    return attempt(deadline);
  }

  private CompletableFuture<InspectorSnapshot> attempt(long deadline) {
    return fetchOnce()
        .handle(
            (snapshot, error) -> {
              if (error == null) {
                return CompletableFuture.completedFuture(snapshot);
              }
              if (System.nanoTime() + POLL.toNanos() > deadline) {
                return CompletableFuture.<InspectorSnapshot>failedFuture(unwrap(error));
              }
              return CompletableFuture.supplyAsync(
                      () -> deadline,
                      CompletableFuture.delayedExecutor(POLL.toMillis(), TimeUnit.MILLISECONDS))
                  .thenCompose(this::attempt);
            })
        .thenCompose(future -> future);
  }

  private CompletableFuture<InspectorSnapshot> fetchOnce() {
    // Two small loopback requests on a short-lived thread: the shim keeps no HTTP client around.
    return CompletableFuture.supplyAsync(
        () -> parse(hostPort, get("/json/version"), get("/json/list")),
        task -> {
          Thread thread = new Thread(task, "tether-inspector-http");
          thread.setDaemon(true);
          thread.start();
        });
  }

  private String get(String path) {
    int colon = hostPort.lastIndexOf(':');
    try {
      return InspectorHttp.get(hostPort.substring(0, colon),
          Integer.parseInt(hostPort.substring(colon + 1)), path, REQUEST_TIMEOUT);
    } catch (IOException e) {
      throw new CompletionException(e);
    }
  }

  /** Reads the two JSON answers; package-private for tests. */
  static InspectorSnapshot parse(String hostPort, String versionJson, String listJson) {
    try {
      String browser = JSON.readTree(versionJson).path("Browser").asText("");
      String runtime = browser.startsWith("node.js/") ? "node " + browser.substring(8) : browser;
      List<InspectorTarget> targets = new ArrayList<>();
      for (JsonNode node : JSON.readTree(listJson)) {
        String id = node.path("id").asText("");
        if (id.isBlank()) {
          continue;
        }
        Target target =
            new Target(
                id,
                node.path("type").asText(null),
                node.path("title").asText(null),
                node.path("url").asText(null));
        targets.add(new InspectorTarget(target, webSocketUrl(hostPort, node, id)));
      }
      return new InspectorSnapshot(runtime, targets);
    } catch (IOException e) {
      throw new CompletionException(
          new IOException("the inspector at " + hostPort + " answered something that is not JSON", e));
    }
  }

  private static URI webSocketUrl(String hostPort, JsonNode node, String id) {
    String published = node.path("webSocketDebuggerUrl").asText("");
    String path = "/" + id;
    if (!published.isBlank()) {
      try {
        String publishedPath = URI.create(published).getRawPath();
        if (publishedPath != null && !publishedPath.isBlank()) {
          path = publishedPath;
        }
      } catch (IllegalArgumentException ignored) {
        // keep the path Node uses for every target: /<id>
      }
    }
    return URI.create("ws://" + hostPort + path);
  }

  private static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
