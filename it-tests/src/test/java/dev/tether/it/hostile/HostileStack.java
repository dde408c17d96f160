package dev.tether.it.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tether.it.TetherStack;
import dev.tether.relay.config.RelayConfig;
import dev.tether.testkit.cdp.CdpClient;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.slf4j.LoggerFactory;

/**
 * A Tether stack under attack: a real relay and the orders function under the real shim, one
 * healthy developer session that every test checks is unharmed, every log line captured (at DEBUG)
 * and every secret the test handled remembered, so the class can prove none was logged.
 */
final class HostileStack implements AutoCloseable {
  final TetherStack tether;
  final TetherStack.Function orders;
  final String alice;
  private final CdpClient healthy;
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final Logger tetherLogger = (Logger) LoggerFactory.getLogger("dev.tether");
  private final Level levelBefore;
  private final Set<String> secrets = ConcurrentHashMap.newKeySet();

  private HostileStack(UnaryOperator<RelayConfig.Builder> settings) throws Exception {
    levelBefore = tetherLogger.getLevel();
    tetherLogger.setLevel(Level.DEBUG);
    logs.start();
    root.addAppender(logs);
    tether = TetherStack.start(settings);
    orders = tether.startFunction("orders");
    alice = secret(tether.userToken("alice", List.of("orders")));
    secret(tether.agentToken("orders"));
    TetherStack.Session session = tether.createSession(alice, "orders");
    secret(session.webSocketDebuggerUrl().getPath().substring("/devtools/".length()));
    healthy = CdpClient.connect(session.webSocketDebuggerUrl());
    assertHealthy();
  }

  static HostileStack start() throws Exception {
    return new HostileStack(c -> c);
  }

  static HostileStack start(UnaryOperator<RelayConfig.Builder> settings) throws Exception {
    return new HostileStack(settings);
  }

  /** Remembers a token or ticket the relay must never log; returns it. */
  String secret(String token) {
    secrets.add(token);
    return token;
  }

  /** The healthy session still evaluates, its socket is open, the function still serves. */
  void assertHealthy() throws Exception {
    assertThat(healthy.isClosed()).as("the healthy session's socket is open").isFalse();
    assertThat(healthy.send("Runtime.evaluate", "expression", "6*7")
        .path("result").path("value").asInt()).as("the healthy session evaluates").isEqualTo(42);
    assertThat(orders.invoke("{}").get().statusCode()).as("the function serves").isEqualTo(200);
  }

  /** Every event logged so far, as logged (for rendering with the shipped encoder). */
  List<ILoggingEvent> logEvents() {
    return List.copyOf(logs.list);
  }

  List<String> logLines() {
    return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  /** No secret the test handled, nor its signature alone, is in any captured log line. */
  void assertNoSecretLogged() {
    List<String> lines = logLines();
    assertThat(lines).isNotEmpty();
    for (String secret : secrets) {
      String signature = secret.substring(secret.lastIndexOf('.') + 1);
      assertThat(lines).noneMatch(line -> line.contains(secret));
      if (signature.length() > 16) {
        assertThat(lines).noneMatch(line -> line.contains(signature));
      }
    }
  }

  Set<String> secrets() {
    return Set.copyOf(secrets);
  }

  @Override
  public void close() {
    try {
      healthy.close();
      tether.close();
    } finally {
      root.detachAppender(logs);
      tetherLogger.setLevel(levelBefore);
    }
  }
}
