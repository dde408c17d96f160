package dev.tether.shim.inspector;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tether.protocol.Target;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * Asks a Node.js inspector what it debugs, over its HTTP endpoints {@code /json/version} and
 * {@code /json/list}.
 *
 * <p>WebSocket URLs are rebuilt from the address the shim was given plus the path Node published,
 * so a Host header or a bind address never sends the shim elsewhere. Read with Jackson's
 * streaming parser: the shim loads no data binding to find its targets.
 */
public final class InspectorDirectory {
  private static final JsonFactory JSON = new JsonFactory();
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
      String browser = textFields(versionJson).getOrDefault("Browser", "");
      String runtime = browser.startsWith("node.js/") ? "node " + browser.substring(8) : browser;
      List<InspectorTarget> targets = new ArrayList<>();
      for (Map<String, String> fields : listOfTextFields(listJson)) {
        String id = fields.getOrDefault("id", "");
        if (id.isBlank()) {
          continue;
        }
        Target target =
            new Target(id, fields.get("type"), fields.get("title"), fields.get("url"));
        targets.add(new InspectorTarget(target,
            webSocketUrl(hostPort, fields.getOrDefault("webSocketDebuggerUrl", ""), id)));
      }
      return new InspectorSnapshot(runtime, targets);
    } catch (IOException e) {
      throw new CompletionException(
          new IOException("the inspector at " + hostPort + " answered something that is not JSON", e));
    }
  }

  /** The string (and scalar) fields of one JSON object; nested values are skipped. */
  private static Map<String, String> textFields(String json) throws IOException {
    try (JsonParser parser = JSON.createParser(json)) {
      return readObject(parser, parser.nextToken());
    }
  }

  /** The string fields of each object in a JSON array (anything else in it is skipped). */
  private static List<Map<String, String>> listOfTextFields(String json) throws IOException {
    List<Map<String, String>> objects = new ArrayList<>();
    try (JsonParser parser = JSON.createParser(json)) {
      JsonToken token = parser.nextToken();
      if (token != JsonToken.START_ARRAY) {
        throw new IOException("expected a JSON array, got " + token);
      }
      for (token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
        if (token == null) {
          throw new IOException("the array ends early");
        }
        if (token == JsonToken.START_OBJECT) {
          objects.add(readObject(parser, token));
        } else {
          parser.skipChildren();
        }
      }
    }
    return objects;
  }

  private static Map<String, String> readObject(JsonParser parser, JsonToken first)
      throws IOException {
    if (first != JsonToken.START_OBJECT) {
      throw new IOException("expected a JSON object, got " + first);
    }
    Map<String, String> fields = new HashMap<>();
    for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
      JsonToken value = parser.nextToken();
      if (value == null) {
        throw new IOException("the object ends early");
      }
      if (value.isScalarValue() && value != JsonToken.VALUE_NULL) {
        fields.put(name, parser.getText());
      } else {
        parser.skipChildren();
      }
    }
    return fields;
  }

  private static URI webSocketUrl(String hostPort, String published, String id) {
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
