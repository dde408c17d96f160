package dev.tether.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.relay.auth.IssuerFile;
import dev.tether.relay.auth.Mode;
import dev.tether.relay.auth.Role;
import dev.tether.relay.auth.SigningKeys;
import dev.tether.relay.auth.TokenIssuer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The real relay, started from its jar as its own process (so its heap holds only the relay),
 * and the calls a console makes to it. Tokens are signed here with the relay's own key.
 */
final class RelayProcess implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)");

  private final Process process;
  private final URI base;
  private final TokenIssuer issuer;
  private final HttpClient http;
  private final String user;

  private final Path dataDir;

  private RelayProcess(Process process, URI base, TokenIssuer issuer, HttpClient http,
      Path dataDir) {
    this.dataDir = dataDir;
    this.process = process;
    this.base = base;
    this.issuer = issuer;
    this.http = http;
    this.user = issuer.userToken("bench", Role.DEVELOPER, List.of("*"), EnumSet.allOf(Mode.class),
        Duration.ofHours(2));
  }

  static RelayProcess start(Path home, Path work, HttpClient http) throws Exception {
    fresh(work, "relay");
    return start(home, work, http, "relay", 0, "", null);
  }

  /** A second relay, "relay-defaults", that keeps the production per-instance snapshot budget. */
  static RelayProcess startWithDefaultSnapshots(Path home, Path work, HttpClient http)
      throws Exception {
    fresh(work, "relay-defaults");
    return start(home, work, http, "relay-defaults", 0, "", null, "");
  }

  /**
   * One node of a cluster (B13): its own data directory under {@code work/<name>-data} holding a
   * copy of {@code keysFrom}'s key (null for the first node), {@code clusterJson} added to the
   * config file, a fixed port (the peer URL names it) and one public URL for every node.
   */
  static RelayProcess startNode(Path home, Path work, HttpClient http, String name, int port,
      String clusterJson, String publicUrl, Path keysFrom) throws Exception {
    fresh(work, name);
    if (keysFrom != null) {
      Path key = SigningKeys.keyFile(work.resolve(name + "-data"));
      Files.createDirectories(key.getParent());
      Files.copy(SigningKeys.keyFile(keysFrom), key, StandardCopyOption.REPLACE_EXISTING);
    }
    return start(home, work, http, name, port, clusterJson, publicUrl);
  }

  Path dataDir() {
    return dataDir;
  }

  URI base() {
    return base;
  }

  /** Opens a session through this node's API (whichever node holds the instance). */
  Session newSessionVia(String function, String instance) throws Exception {
    return newSession(function, instance);
  }

  private static RelayProcess start(Path home, Path work, HttpClient http, String name, int port,
      String extraJson, String publicUrl) throws Exception {
    return start(home, work, http, name, port, extraJson, publicUrl, """
        ,
         "snapshots": {"hitsPerSecond": 10000, "pauseBudget": "1000ms", "maxStoredHits": 1000}""");
  }

  private static RelayProcess start(Path home, Path work, HttpClient http, String name, int port,
      String extraJson, String publicUrl, String snapshotsJson) throws Exception {
    Path dataDir = work.resolve(name + "-data");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String opts = System.getenv().getOrDefault("TETHER_JAVA_OPTS", "");
    for (String opt : opts.trim().split("\\s+")) {
      if (!opt.isEmpty()) {
        command.add(opt);
      }
    }
    // A benchmark is not a person: lift the ticket and per-session rates and the session counts
    // that guard a production relay, and take snapshots bigger than the default message limit. B9
    // registers 10,000 instances of one function, past the default instance limit. B14 measures
    // every hit of a point, so the per-instance snapshot budget must not disable it (its throughput
    // row wants that budget: startWithDefaultSnapshots).
    Path config = work.resolve(name + ".json");
    java.nio.file.Files.writeString(config, """
        {"ticketsPerMinute": 100000,
         "limits": {"messagesPerSecond": 100000, "messageBurst": 100000,
                    "sessionsPerUser": 1000, "sessionsPerInstance": 1000},
         "agents": {"maxInstancesPerFunction": 100000}%s%s}
        """.formatted(snapshotsJson, extraJson));
    // -Dtether.bench.relayJar=F runs another build of the relay (a before/after in one session).
    String jar = System.getProperty("tether.bench.relayJar",
        home.resolve("relay-server/target/tether-relay.jar").toString());
    command.addAll(List.of("-jar", jar,
        "relay", "--host", "127.0.0.1", "--port", String.valueOf(port), "--data-dir",
        dataDir.toString(), "--config", config.toString()));
    if (publicUrl != null) {
      command.addAll(List.of("--public-url", publicUrl));
    }
    Process process = Processes.start(command, work);
    Processes.pump(process.getErrorStream(), work.resolve(name + ".log"), line -> null);
    String url = Processes.pump(process.getInputStream(), work.resolve(name + ".out"), line -> {
      Matcher m = LISTENING.matcher(line);
      return m.find() ? m.group(1) : null;
    }).orTimeout(60, java.util.concurrent.TimeUnit.SECONDS).join().value();
    String issuerName = IssuerFile.read(dataDir).orElseThrow();
    TokenIssuer issuer = new TokenIssuer(SigningKeys.loadOrCreate(dataDir), issuerName,
        Clock.systemUTC());
    return new RelayProcess(process, URI.create(url), issuer, http, dataDir);
  }

  long pid() {
    return process.pid();
  }

  URI agentUri() {
    return URI.create("ws" + base.toString().substring(4) + "/agent");
  }

  String agentToken(String function) {
    return issuer.agentToken(function, Duration.ofHours(2));
  }

  /** A new session on {@code function}/{@code instance}: its id and DevTools URL. */
  Session newSession(String function, String instance) throws Exception {
    String body = "{\"function\":\"" + function + "\",\"instance\":\"" + instance + "\"}";
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(base.resolve("/api/sessions"))
            .header("Authorization", "Bearer " + user)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 201) {
      throw new IllegalStateException("POST /api/sessions: " + response.statusCode() + " "
          + response.body());
    }
    JsonNode json = JSON.readTree(response.body());
    return new Session(json.path("sessionId").asText(),
        URI.create(json.path("webSocketDebuggerUrl").asText()));
  }

  /** Calls the relay's API as the bench user; {@code body} may be null. */
  HttpResponse<String> api(String method, String path, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(base.resolve(path))
            .header("Authorization", "Bearer " + user)
            .header("Content-Type", "application/json")
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  void endSession(Session session) throws Exception {
    http.send(HttpRequest.newBuilder(base.resolve("/api/sessions/" + session.id()))
            .header("Authorization", "Bearer " + user).DELETE().build(),
        HttpResponse.BodyHandlers.discarding());
  }

  /** One sample of /metrics, e.g. {@code tether_agents_connected}; 0 when absent. */
  double metric(String sample) throws Exception {
    String text = http.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    for (String line : text.split("\n")) {
      if (line.startsWith(sample + " ")) {
        return Double.parseDouble(line.substring(sample.length() + 1));
      }
    }
    return 0;
  }

  long liveHeapBytes() {
    return Processes.liveHeapBytes(pid());
  }

  @Override
  public void close() {
    Processes.stop(process);
  }

  record Session(String id, URI debuggerUrl) {}

  /** Each run starts as a fresh relay: no trail, points or keys of the last run's. */
  private static void fresh(Path work, String name) throws IOException {
    Path dir = work.resolve(name + "-data");
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
