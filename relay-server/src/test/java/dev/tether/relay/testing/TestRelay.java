package dev.tether.relay.testing;

import dev.tether.relay.Relay;
import dev.tether.relay.auth.Mode;
import dev.tether.relay.auth.Role;
import dev.tether.relay.config.RelayConfig;
import dev.tether.testkit.Poll;
import dev.tether.testkit.server.ServerExtension;
import dev.tether.testkit.socket.Sockets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real relay on a free port, with helpers to mint tokens and call the API. As a JUnit
 * extension ({@code @RegisterExtension static final TestRelay relay = TestRelay.perClass();}) it
 * starts before the class's {@code @BeforeAll} methods in a fresh data directory and is closed,
 * directory and all, after its {@code @AfterAll} ones.
 */
public final class TestRelay implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
  private final ServerExtension<Relay> server;
  private final Path ownDataDir;

  private TestRelay(ServerExtension.Starter<Relay> starter, Path ownDataDir) {
    this.server = ServerExtension.of(starter);
    this.ownDataDir = ownDataDir;
  }

  /** A relay for one test class with the default configuration. */
  public static TestRelay perClass() {
    return perClass(UnaryOperator.identity());
  }

  /** A relay for one test class, its configuration changed by {@code customize}. */
  public static TestRelay perClass(UnaryOperator<RelayConfig.Builder> customize) {
    Path dataDir = newDataDir();
    return new TestRelay(
        () -> Relay.start(customize.apply(RelayConfig.builder().port(0).dataDir(dataDir)).build()),
        dataDir);
  }

  public static TestRelay start(Path dataDir) throws Exception {
    return start(RelayConfig.builder().port(0).dataDir(dataDir));
  }

  public static TestRelay start(RelayConfig.Builder config) throws Exception {
    TestRelay relay = new TestRelay(() -> Relay.start(config.build()), null);
    relay.server.start();
    return relay;
  }

  /** Wraps a relay the test started itself (e.g. with a policy listener). */
  public static TestRelay wrap(Relay relay) throws Exception {
    TestRelay wrapped = new TestRelay(() -> relay, null);
    wrapped.server.start();
    return wrapped;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    server.beforeAll(context);
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    close();
  }

  /** The running relay; fails before the class's tests start. */
  public Relay relay() {
    return server.get();
  }

  public Path dataDir() {
    return relay().config().dataDir();
  }

  public URI agentUri() {
    return relay().wsUri("/agent");
  }

  public String userToken(String subject, String... functions) {
    return relay().tokenIssuer().userToken(subject, Role.DEVELOPER, List.of(functions),
        EnumSet.allOf(Mode.class), Duration.ofHours(1));
  }

  public String adminToken(String subject) {
    return relay().tokenIssuer().userToken(subject, Role.ADMIN, List.of(),
        EnumSet.allOf(Mode.class), Duration.ofHours(1));
  }

  public String agentToken(String function) {
    return relay().tokenIssuer().agentToken(function, Duration.ofHours(1));
  }

  /** Calls the API; {@code token} and {@code body} may be null. */
  public HttpResponse<String> call(String method, String path, String token, String body)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(relay().uri(path))
        .timeout(Duration.ofSeconds(10))
        .method(method, body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    return Sockets.CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Waits until the relay lists {@code function}/{@code instance} as live. */
  public void awaitInstance(String function, String instance) {
    Poll.until(Duration.ofSeconds(10), function + "/" + instance + " to register",
        () -> relay().agents().find(function, instance).isPresent());
  }

  /** Closes the relay (once) and deletes the data directory it made for itself. */
  @Override
  public void close() {
    try {
      server.close();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("closing the relay failed", e);
    } finally {
      if (ownDataDir != null) {
        delete(ownDataDir);
      }
    }
  }

  private static Path newDataDir() {
    try {
      return Files.createTempDirectory("tether-relay-test-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover temporary directory is harmless
    }
  }
}
