package dev.tether.shim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.testkit.Poll;
import dev.tether.testkit.tunnel.FakeRelay;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a registered, idle shim has loaded, read from a real shim JVM's class-loading log: every
 * class loaded costs a function memory (BENCHMARKS.md B8), and these are the heavy ones it used to
 * load without needing them.
 */
@Timeout(60)
class IdleFootprintTest {
  @Test
  void aRegisteredIdleShimHasLoadedNoJacksonDataBindingAndNoLogback(@TempDir Path dir)
      throws Exception {
    Path classes = dir.resolve("classes.log");
    Path stderr = dir.resolve("stderr.log");
    Process function = new ProcessBuilder("sleep", "60").start();
    try (FakeRelay relay = FakeRelay.start()) {
      Path java = Path.of(System.getProperty("java.home"), "bin", "java");
      Process shim = new ProcessBuilder(List.of(java.toString(),
              "-Xlog:class+load=info:file=" + classes, "-cp", System.getProperty("java.class.path"),
              Main.class.getName(), "--relay", relay.url(), "--token", "idle-footprint-token",
              "--function", "orders", "--instance", "idle-1", "--pid",
              Long.toString(function.pid())))
          .redirectErrorStream(true).redirectOutput(stderr.toFile()).start();
      try {
        relay.takeHello(Duration.ofSeconds(30));
        Poll.until(Duration.ofSeconds(30), "the shim to log its registration",
            () -> Files.readString(stderr).contains("registered function=orders"));
        String loaded = Files.readString(classes);

        assertThat(loaded).as("the tunnel's own codec ran").contains("dev.tether.protocol.TunnelCodec ");
        assertThat(loaded).doesNotContain("com.fasterxml.jackson.databind.ObjectMapper ")
            .doesNotContain("com.fasterxml.jackson.databind.deser.")
            .doesNotContain("ch.qos.logback.")
            .doesNotContain("java.net.http.");
      } finally {
        shim.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } finally {
      function.destroyForcibly();
    }
  }
}
