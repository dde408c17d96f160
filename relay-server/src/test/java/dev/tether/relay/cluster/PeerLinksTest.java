package dev.tether.relay.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.relay.auth.SigningKeys;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerLinksTest {
  @TempDir Path dir;

  @Test
  void theLinksClientRunsOnTheRelaysOwnThreadPoolAndLeavesItRunningWhenItStops() throws Exception {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    QueuedThreadPool relayThreads = new QueuedThreadPool();
    relayThreads.start();
    PeerTokens tokens =
        new PeerTokens(SigningKeys.loadOrCreate(dir), "http://tether.test", Clock.systemUTC());
    try {
      try (PeerLinks links =
          new PeerLinks("relay-a", tokens, scheduler, Duration.ofSeconds(5), relayThreads)) {
        assertThat(links.clientExecutor()).as("the executor of the links' client")
            .isSameAs(relayThreads);
      }

      assertThat(relayThreads.isRunning()).as("the relay's pool after the links closed").isTrue();
    } finally {
      relayThreads.stop();
      scheduler.shutdownNow();
    }
  }
}
