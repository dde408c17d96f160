package dev.tether.relay.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DrainWatchTest {
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final AtomicLong now = new AtomicLong();

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  @Test
  void writesThatMakeNoProgressForTheTimeoutCallTheStallAction() throws Exception {
    DrainWatch watch = new DrainWatch(Duration.ofMillis(100), scheduler, System::nanoTime);
    CountDownLatch stalled = new CountDownLatch(1);
    watch.onStalled(stalled::countDown);

    watch.queued(1000);

    assertThat(stalled.await(2, TimeUnit.SECONDS)).isTrue();
    assertThat(watch.unwritten()).isEqualTo(1000);
  }

  @Test
  void writesThatCompleteNeverStall() throws Exception {
    DrainWatch watch = new DrainWatch(Duration.ofMillis(100), scheduler, now::get);
    CountDownLatch stalled = new CountDownLatch(1);
    watch.onStalled(stalled::countDown);

    watch.queued(500);
    watch.written(500);
    now.addAndGet(Duration.ofSeconds(1).toNanos());

    assertThat(stalled.await(300, TimeUnit.MILLISECONDS)).isFalse();
    assertThat(watch.unwritten()).isZero();
  }
}
