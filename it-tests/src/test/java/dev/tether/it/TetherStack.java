package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.relay.Relay;
import dev.tether.relay.auth.Mode;
import dev.tether.relay.auth.Role;
import dev.tether.relay.auth.TokenIssuer;
import dev.tether.relay.config.RelayConfig;
import dev.tether.shim.Shim;
import dev.tether.shim.ShimConfig;
import dev.tether.testkit.Poll;
import dev.tether.testkit.cdp.CdpClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Everything a user runs, started for one test class: a relay on a free port with its own data
 * directory, and sample functions, each a real {@code node} wrapped by the real shim.
 */
public final class TetherStack implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
  /** The repository root, where {@code examples/} lives. */
  public static final Path ROOT = findRoot();

  private final UnaryOperator<RelayConfig.Builder> settings;
  private Relay relay;
  private Path dataDir;
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<Function> functions = new ArrayList<>();
  private final List<Shim> shims = new ArrayList<>();

  private TetherStack(UnaryOperator<RelayConfig.Builder> settings) {
    this.settings = settings;
  }

  public static TetherStack start() throws Exception {
    return start(config -> config);
  }

  /** Starts the relay with settings of the test's own, e.g. {@code c -> c.limits(...)}. */
  public static TetherStack start(UnaryOperator<RelayConfig.Builder> settings) throws Exception {
    TetherStack stack = new TetherStack(settings);
    stack.launch();
    return stack;
  }

  /**
   * A stack for one test class, started before its {@code @BeforeAll} methods and closed after
   * its {@code @AfterAll} ones: {@code @RegisterExtension static final TetherStack tether =
   * TetherStack.perClass();}.
   */
  public static TetherStack perClass() {
    return perClass(config -> config);
  }

  /** {@link #perClass()} with settings of the test's own, e.g. {@code c -> c.limits(...)}. */
  public static TetherStack perClass(UnaryOperator<RelayConfig.Builder> settings) {
    return new TetherStack(settings);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    launch();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  private void launch() throws Exception {
    if (relay != null) {
      throw new IllegalStateException("the stack is already running");
    }
    dataDir = Files.createTempDirectory("tether-it-");
    relay = Relay.start(settings.apply(RelayConfig.builder().port(0).dataDir(dataDir)).build());
  }

  /** The relay's data directory, to read what it wrote. */
  public Path dataDir() {
    relay();
    return dataDir;
  }

  /** Stops the relay as an operator would, and starts a new one on the same port and data. */
  Relay restartRelay() throws Exception {
    int port = relay.port();
    RelayConfig config = relay.config().toBuilder().port(port).build();
    relay.close();
    relay = Relay.start(config);
    return relay;
  }

  /** The running relay; fails before the stack has started. */
  public Relay relay() {
    if (relay == null) {
      throw new IllegalStateException("the stack is not started: register it with "
          + "@RegisterExtension or call TetherStack.start() first");
    }
    return relay;
  }

  public URI relayUri(String path) {
    return relay.wsUri(path);
  }

  /** Starts examples/orders/server.js under the shim as {@code name} and waits until it is registered. */
  public Function startFunction(String name) throws Exception {
    return startFunction(name, relay.wsUri("/agent"));
  }

  /** The same, with the shim dialling {@code agentUrl} (e.g. through a {@link FlakyLink}). */
  Function startFunction(String name, URI agentUrl) throws Exception {
    return startFunction(name, agentUrl, config -> config, true);
  }

  /**
   * The general form: {@code adjust} changes the shim's config (e.g. to wait for a debugger);
   * {@code awaitServing} false returns once registered, before the function answers.
   */
  Function startFunction(
      String name, URI agentUrl, java.util.function.UnaryOperator<ShimConfig> adjust,
      boolean awaitServing) throws Exception {
    int port = freePort();
    ShimConfig config =
        ShimConfig.wrap(
            agentUrl.toString(),
            agentToken(name),
            name,
            List.of("node", ROOT.resolve("examples/orders/server.js").toString(), String.valueOf(port)));
    Shim shim = Shim.start(adjust.apply(config.withBackoff(
        new dev.tether.shim.tunnel.Backoff(Duration.ofMillis(100), Duration.ofSeconds(2)))));
    Function function = new Function(name, shim, port);
    functions.add(function);
    assertThat(shim.awaitRegistered(Duration.ofSeconds(30)))
        .as("the shim of %s registers at the relay", name)
        .isTrue();
    if (awaitServing) {
      function.awaitServing();
    }
    return function;
  }

  /** Starts a shim of any mode (e.g. --pid), stopped with the stack, and waits until it registers. */
  Shim startShim(ShimConfig config) throws Exception {
    Shim shim = Shim.start(config);
    shims.add(shim);
    assertThat(shim.awaitRegistered(Duration.ofSeconds(30))).as("the shim registers").isTrue();
    return shim;
  }

  public String userToken(String subject, List<String> functionGlobs) {
    return relay.tokenIssuer().userToken(
        subject, Role.DEVELOPER, functionGlobs, EnumSet.allOf(Mode.class), Duration.ofHours(1));
  }

  public String agentToken(String function) {
    return relay.tokenIssuer().agentToken(function, Duration.ofHours(1));
  }

  /** Calls the relay's HTTP API; {@code token} and {@code body} may be null. */
  public HttpResponse<String> api(String method, String path, String token, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(relay.uri(path)).timeout(Duration.ofSeconds(20));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    request.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** POST /api/sessions as the user would, asserting it was created. */
  public Session createSession(String token, String function) throws Exception {
    HttpResponse<String> response =
        api("POST", "/api/sessions", token, "{\"function\":\"" + function + "\"}");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    JsonNode body = CdpClient.JSON.readTree(response.body());
    return new Session(body.path("sessionId").asText(), URI.create(body.path("webSocketDebuggerUrl").asText()), body);
  }

  /** A new session's webSocketDebuggerUrl. */
  public URI openSession(String token, String function) throws Exception {
    return createSession(token, function).webSocketDebuggerUrl();
  }

  /**
   * A ticket for the same session, signed by the relay's own key but issued three minutes ago,
   * so it has expired.
   */
  public URI expiredTicketFor(URI debuggerUrl) throws Exception {
    String ticket = debuggerUrl.getPath().substring("/devtools/".length());
    JsonNode claims = CdpClient.JSON.readTree(
        java.util.Base64.getUrlDecoder().decode(ticket.split("\\.")[1]));
    TokenIssuer past =
        new TokenIssuer(
            relay.signingKeys(),
            relay.publicUrl().toString(),
            Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-3)));
    String expired =
        past.ticket(
                claims.path("sid").asText(),
                claims.path("sub").asText(),
                claims.path("function").asText(),
                claims.path("instance").asText(),
                Mode.FULL,
                Duration.ofSeconds(30))
            .token();
    return relay.wsUri("/devtools/" + expired);
  }

  @Override
  public void close() {
    if (relay == null) {
      return;
    }
    functions.forEach(Function::stopShim);
    shims.forEach(Shim::close);
    relay.close();
    relay = null;
    try (var files = Files.walk(dataDir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The 0-based line of the first line of {@code file} (under the repository) containing {@code text}. */
  public static int lineOf(String file, String text) throws IOException {
    List<String> lines = Files.readAllLines(ROOT.resolve(file));
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(text)) {
        return i;
      }
    }
    throw new AssertionError(file + " has no line containing " + text);
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static Path findRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("examples/orders"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("run the tests inside the repository: no examples/orders found");
    }
    return dir;
  }

  /** A session as POST /api/sessions returned it. */
  public record Session(String id, URI webSocketDebuggerUrl, JsonNode body) {}

  /** One sample function instance: node under the shim, serving HTTP on a loopback port. */
  public final class Function {
    private final String name;
    private final Shim shim;
    private final int port;

    Function(String name, Shim shim, int port) {
      this.name = name;
      this.shim = shim;
      this.port = port;
    }

    public String instanceId() {
      return shim.instanceId();
    }

    Shim shim() {
      return shim;
    }

    /** One invocation: POSTs the event; completes when the function answers. */
    public CompletableFuture<HttpResponse<String>> invoke(String event) {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
              .timeout(Duration.ofSeconds(60))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(event))
              .build();
      return http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Stops the shim and with it the wrapped node process, as when an instance is killed. */
    public void stopShim() {
      shim.close();
    }

    void awaitServing() {
      Poll.until(Duration.ofSeconds(20), name + " answering on port " + port, () -> {
        try {
          invoke("{}").get();
          return true;
        } catch (java.util.concurrent.ExecutionException e) {
          return false; // the port is about to open
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted while waiting for " + name, e);
        }
      });
    }
  }
}
