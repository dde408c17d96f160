package dev.tether.testkit.server;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a server (a relay on port 0, or anything else {@link AutoCloseable}) before a test
 * class's {@code @BeforeAll} methods and closes it after its {@code @AfterAll} ones, as
 * javalin-testtools does: {@code @RegisterExtension static final ServerExtension<TestRelay> relay
 * = ServerExtension.of(TestRelay::startInTempDir);}. The module that owns the server passes the
 * way to start it, so this module needs none of the server's classes.
 */
public final class ServerExtension<T extends AutoCloseable>
    implements BeforeAllCallback, AfterAllCallback, AutoCloseable {
  /** How to start the server; it may throw anything a start can throw. */
  @FunctionalInterface
  public interface Starter<T> {
    T start() throws Exception;
  }

  private final Starter<T> starter;
  private T server;

  private ServerExtension(Starter<T> starter) {
    this.starter = starter;
  }

  public static <T extends AutoCloseable> ServerExtension<T> of(Starter<T> starter) {
    return new ServerExtension<>(starter);
  }

  /** The running server; fails when used before the class's tests start or after they end. */
  public T get() {
    T running = server;
    if (running == null) {
      throw new IllegalStateException("the server is not running: register this extension on a "
          + "static field with @RegisterExtension, and use it from @BeforeAll or a test");
    }
    return running;
  }

  /** Starts the server now (what {@code beforeAll} does), for a test that starts it itself. */
  public T start() throws Exception {
    if (server != null) {
      throw new IllegalStateException("the server is already running; register the extension "
          + "on a static field of one class");
    }
    server = starter.start();
    return server;
  }

  /** Closes the server if it runs; closing again does nothing. */
  @Override
  public void close() throws Exception {
    T running = server;
    server = null;
    if (running != null) {
      running.close();
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    close();
  }
}
