package dev.tether.relay.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.relay.auth.SigningKeys;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerLinksTest {
  @TempDir Path dir;

  @Test
  void whatALinkReadsIsHandledOnTheThreadThatReadItNotHandedToAnother() throws Exception {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    PeerTokens tokens =
        new PeerTokens(SigningKeys.loadOrCreate(dir), "http://tether.test", Clock.systemUTC());
    try (PeerLinks links = new PeerLinks("relay-a", tokens, scheduler, Duration.ofSeconds(5))) {
      AtomicReference<Thread> ran = new AtomicReference<>();

      links.clientExecutor().execute(() -> ran.set(Thread.currentThread()));

      assertThat(ran.get()).as("the thread the client's executor ran a task on")
          .isSameAs(Thread.currentThread());
    } finally {
      scheduler.shutdownNow();
    }
  }
}
