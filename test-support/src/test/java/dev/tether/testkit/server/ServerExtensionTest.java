package dev.tether.testkit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ServerExtensionTest {
  /** A server that counts its closes. */
  static final class Counted implements AutoCloseable {
    final AtomicInteger closes = new AtomicInteger();

    @Override
    public void close() {
      closes.incrementAndGet();
    }
  }

  @Test
  void theServerExistsOnlyBetweenBeforeAllAndAfterAllAndIsClosedOnce() throws Exception {
    Counted counted = new Counted();
    ServerExtension<Counted> extension = ServerExtension.of(() -> counted);
    assertThatThrownBy(extension::get).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("@RegisterExtension");

    extension.beforeAll(null);
    assertThat(extension.get()).isSameAs(counted);
    extension.afterAll(null);
    extension.afterAll(null);

    assertThat(counted.closes).hasValue(1);
    assertThatThrownBy(extension::get).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aServerThatFailsToStartFailsTheClassWithItsOwnError() {
    ServerExtension<Counted> extension = ServerExtension.of(() -> {
      throw new IOException("port in use");
    });
    assertThatThrownBy(() -> extension.beforeAll(null)).hasMessage("port in use");
  }
}
