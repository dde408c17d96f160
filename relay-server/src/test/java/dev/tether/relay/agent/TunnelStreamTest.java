package dev.tether.relay.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.protocol.DataFrame;
import dev.tether.protocol.ProtocolException;
import dev.tether.relay.config.AgentLimits;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

class TunnelStreamTest {
  /** A DevTools side that never finishes writing, so no credit ever flows back. */
  private static final class StuckPeer implements StreamPeer {
    final List<Integer> chunks = new ArrayList<>();
    int opened;

    @Override
    public void onOpened() {
      opened++;
    }

    @Override
    public void onCredit() {}

    @Override
    public void onData(ByteBuffer chunk, boolean fin, Callback written) {
      chunks.add(chunk.remaining());
    }

    @Override
    public void onStreamClosed(int code, String reason) {}
  }

  @Test
  void aShimMaySendUpToItsWindowAndNotOneByteMore() throws Exception {
    StuckPeer peer = new StuckPeer();
    TunnelStream stream = new TunnelStream(1, null, peer, 100);

    stream.onData(null, ByteBuffer.allocate(60), false);
    stream.onData(null, ByteBuffer.allocate(40), false);

    assertThat(peer.chunks).containsExactly(60, 40);
    assertThatThrownBy(() -> stream.onData(null, ByteBuffer.allocate(1), true))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("credit");
  }

  @Test
  void aFrameThatStillArrivesOnTheOldConnectionAfterAResumeTookTheStreamIsIgnored()
      throws Exception {
    StuckPeer peer = new StuckPeer();
    TunnelStream stream = new TunnelStream(1, null, peer, 100);
    stream.onData(null, ByteBuffer.allocate(10), true);
    AgentTunnel resumed = new AgentTunnel(null, null, null, null, java.time.Duration.ofSeconds(1),
        java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(30),
        java.time.Duration.ofSeconds(1), AgentLimits.defaults(), "test");

    assertThat(stream.takeOver(resumed).received()).isEqualTo(1);
    stream.onData(null, ByteBuffer.allocate(20), true);

    assertThat(peer.chunks).as("the shim sends it again on the resumed tunnel").containsExactly(10);
    assertThat(stream.takeOver(resumed).received()).isEqualTo(1);
  }

  @Test
  void nothingMaySendTowardsTheTargetUntilTheShimOpenedTheStream() throws Exception {
    StuckPeer peer = new StuckPeer();
    TunnelStream stream = new TunnelStream(1, null, peer, 100);

    assertThat(stream.sendable()).isZero();
    stream.onOpened(null, 500);
    stream.onOpened(null, 900);

    assertThat(stream.sendable()).isEqualTo(500);
    assertThat(peer.opened).isEqualTo(1);
    stream.onCredit(null, 250, 0);
    assertThat(stream.sendable()).isEqualTo(750);
  }

  private static AgentTunnel downTunnel() {
    // Never opened: frames are kept for a resume, not written.
    return new AgentTunnel(null, null, null, null, java.time.Duration.ofSeconds(1),
        java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(30),
        java.time.Duration.ofSeconds(1), AgentLimits.defaults(), "test");
  }

  @Test
  void anOfferTakesWhatTheCreditAllowsAndSaysTheRestMustWait() {
    AgentTunnel tunnel = downTunnel();
    TunnelStream stream = new TunnelStream(1, tunnel, new StuckPeer(), 100);
    stream.onOpened(tunnel, 0);
    ByteBuffer message = ByteBuffer.allocate(300);

    assertThat(stream.offer(message, true)).as("no credit: nothing taken, nothing thrown").isFalse();
    assertThat(message.position()).isZero();
  }

  @Test
  void anOfferWithinCreditTakesAllAndTheRestAfterMoreCredit() throws Exception {
    AgentTunnel tunnel = downTunnel();
    TunnelStream stream = new TunnelStream(1, tunnel, new StuckPeer(), 100);
    stream.onOpened(tunnel, 120);
    ByteBuffer message = ByteBuffer.allocate(300);

    assertThat(stream.offer(message, true)).isFalse();
    assertThat(message.position()).isEqualTo(120);
    assertThat(stream.sendable()).isZero();

    stream.onCredit(tunnel, 500, 0);
    assertThat(stream.offer(message, true)).isTrue();
    assertThat(message.hasRemaining()).isFalse();
    assertThat(stream.sendable()).isEqualTo(620 - 300);
  }

  @Test
  void aLargeOfferIsCutIntoTunnelSizedFramesWithinCredit() {
    AgentTunnel tunnel = downTunnel();
    TunnelStream stream = new TunnelStream(1, tunnel, new StuckPeer(), 100);
    stream.onOpened(tunnel, 10L * DataFrame.MAX_CHUNK);
    ByteBuffer message = ByteBuffer.allocate(3 * DataFrame.MAX_CHUNK + 7);

    assertThat(stream.offer(message, true)).isTrue();
    assertThat(stream.sendable()).isEqualTo(7L * DataFrame.MAX_CHUNK - 7);
  }

  @Test
  void anEmptyLastPieceStillEndsTheMessageAndAClosedStreamTakesNothing() {
    AgentTunnel tunnel = downTunnel();
    TunnelStream stream = new TunnelStream(1, tunnel, new StuckPeer(), 100);
    stream.onOpened(tunnel, 10);
    assertThat(stream.offer(ByteBuffer.allocate(0), true)).isTrue();

    stream.onClosed(1000, "gone");
    ByteBuffer late = ByteBuffer.allocate(5);
    assertThat(stream.offer(late, true)).isFalse();
    assertThat(late.position()).isZero();
  }

  /** DevTools that writes at once (credit flows back as each chunk arrives) until it stalls. */
  private static final class ThenStalls implements StreamPeer {
    boolean stalled;

    @Override
    public void onOpened() {}

    @Override
    public void onCredit() {}

    @Override
    public void onData(ByteBuffer chunk, boolean fin, Callback written) {
      if (!stalled) {
        written.succeeded();
      }
    }

    @Override
    public void onStreamClosed(int code, String reason) {}
  }

  private static void timedPong(AgentTunnel tunnel, long roundTripNanos) {
    long now = System.nanoTime();
    tunnel.onPong(ByteBuffer.allocate(Long.BYTES).putLong(0, now - roundTripNanos), now);
  }

  private static void letTimePass(long nanos) {
    long start = System.nanoTime();
    while (System.nanoTime() - start < nanos) {
      java.util.concurrent.locks.LockSupport.parkNanos(nanos / 10);
    }
  }

  /**
   * A window's worth that DevTools takes within one 200 ms round trip, then DevTools stalls and the
   * shim sends {@code afterwards} bytes more.
   */
  private static void fillThenStall(AgentTunnel tunnel, long roundTripNanos, int afterwards)
      throws Exception {
    timedPong(tunnel, roundTripNanos);
    ThenStalls peer = new ThenStalls();
    TunnelStream stream = new TunnelStream(1, tunnel, peer, 1024 * 1024);
    long window = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(200);
    for (int i = 0; i < 16; i++) {
      stream.onData(tunnel, ByteBuffer.allocate(64 * 1024), i == 15);
    }
    letTimePass(window);
    stream.onData(tunnel, ByteBuffer.allocate(1), true);
    peer.stalled = true;
    for (int sent = 0; sent < afterwards; sent += 64 * 1024) {
      stream.onData(tunnel, ByteBuffer.allocate(64 * 1024), false);
    }
  }

  @Test
  void onAFarLinkAWindowDevToolsKeepsUpWithGrowsSoMoreMayBeInFlight() throws Exception {
    AgentTunnel tunnel = downTunnel();

    // 1.5 MiB unread: more than the first 1 MiB window allows.
    fillThenStall(tunnel, java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(200),
        3 * 512 * 1024);

    assertThat(tunnel.roundTripNanos()).isEqualTo(200_000_000L);
  }

  @Test
  void onANearLinkTheSameTrafficKeepsTheFirstWindow() {
    assertThatThrownBy(() -> fillThenStall(downTunnel(), 100_000, 3 * 512 * 1024))
        .isInstanceOf(ProtocolException.class).hasMessageContaining("credit");
  }
}
