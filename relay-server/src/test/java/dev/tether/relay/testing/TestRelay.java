package dev.tether.relay.testing;

import dev.tether.relay.Relay;
import dev.tether.relay.auth.Mode;
import dev.tether.relay.auth.Role;
import dev.tether.relay.config.RelayConfig;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;

/** A real relay on a free port for one test class, with helpers to mint tokens and call the API. */
public final class TestRelay implements AutoCloseable {
  private final Relay relay;

  private TestRelay(Relay relay) {
    this.relay = relay;
  }

  public static TestRelay start(Path dataDir) throws Exception {
    return start(RelayConfig.builder().port(0).dataDir(dataDir));
  }

  public static TestRelay start(RelayConfig.Builder config) throws Exception {
    return new TestRelay(Relay.start(config.build()));
  }

  /** Wraps a relay the test started itself (e.g. with a policy listener). */
  public static TestRelay wrap(Relay relay) {
    return new TestRelay(relay);
  }

  public Relay relay() {
    return relay;
  }

  public URI agentUri() {
    return relay.wsUri("/agent");
  }

  public String userToken(String subject, String... functions) {
    return relay.tokenIssuer().userToken(subject, Role.DEVELOPER, List.of(functions),
        EnumSet.allOf(Mode.class), Duration.ofHours(1));
  }

  public String adminToken(String subject) {
    return relay.tokenIssuer().userToken(subject, Role.ADMIN, List.of(),
        EnumSet.allOf(Mode.class), Duration.ofHours(1));
  }

  public String agentToken(String function) {
    return relay.tokenIssuer().agentToken(function, Duration.ofHours(1));
  }

  /** Calls the API; {@code token} and {@code body} may be null. */
  public HttpResponse<String> call(String method, String path, String token, String body)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(relay.uri(path))
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
        () -> relay.agents().find(function, instance).isPresent());
  }

  @Override
  public void close() {
    relay.close();
  }
}
