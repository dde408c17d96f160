package dev.tether.relay.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.StreamPosition;
import dev.tether.relay.config.AgentLimits;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

class ResumptionTest {
  /** What DevTools' side of a stream hears. */
  private static final class Peer implements StreamPeer {
    final List<Integer> closes = new ArrayList<>();
    int credits;

    @Override
    public void onOpened() {}

    @Override
    public void onCredit() {
      credits++;
    }

    @Override
    public void onData(ByteBuffer chunk, boolean fin, Callback written) {}

    @Override
    public void onStreamClosed(int code, String reason) {
      closes.add(code);
    }
  }

  private static AgentTunnel tunnel() {
    // Never welcomed: what it would write is kept in the streams for a resume, not written.
    return new AgentTunnel(null, null, null, null, Duration.ofSeconds(1), Duration.ofSeconds(1),
        Duration.ofSeconds(30), Duration.ofSeconds(1), AgentLimits.defaults(), "test");
  }

  private final AgentTunnel old = tunnel();
  private final AgentTunnel next = tunnel();

  private TunnelStream opened(int id, Peer peer, long window) {
    TunnelStream stream = new TunnelStream(id, old, peer, 1000);
    stream.onOpened(old, window);
    return stream;
  }

  @Test
  void aStreamTheShimStillHasResumesWithTheCreditWhoseGrantWasLost() throws Exception {
    Peer peer = new Peer();
    TunnelStream stream = opened(1, peer, 100);
    stream.offer(ByteBuffer.allocate(100), true);
    assertThat(stream.sendable()).isZero();

    Resumption resumption = Resumption.of(next, List.of(stream),
        List.of(new StreamPosition(1, 1, 250)));
    assertThat(resumption.kept()).containsExactly(stream);
    assertThat(resumption.positions()).extracting(StreamPosition::stream).containsExactly(1);
    resumption.replay(next);

    assertThat(stream.sendable()).as("the shim granted 250 the relay never heard of").isEqualTo(250);
    assertThat(peer.credits).isEqualTo(1);
    assertThat(peer.closes).isEmpty();
  }

  @Test
  void aStreamWhoseOpenTheShimNeverSawIsOpenedAgainAndLivesOn() throws Exception {
    Peer peer = new Peer();
    TunnelStream waiting = new TunnelStream(2, old, peer, 1000);

    Resumption resumption = Resumption.of(next, List.of(waiting), List.of());
    resumption.replay(next);

    assertThat(resumption.kept()).containsExactly(waiting);
    assertThat(resumption.resumedCount()).isZero();
    assertThat(peer.closes).isEmpty();
  }

  @Test
  void aStreamTheShimNoLongerHasEndsAsTargetGoneAfterTheWelcome() throws Exception {
    Peer peer = new Peer();
    TunnelStream ended = opened(3, peer, 100);

    Resumption resumption = Resumption.of(next, List.of(ended), List.of());
    assertThat(resumption.kept()).isEmpty();
    assertThat(peer.closes).as("nothing happens before the welcome left").isEmpty();
    resumption.replay(next);

    assertThat(peer.closes).containsExactly(CloseCodes.TARGET_GONE);
  }

  @Test
  void aResumeThatCannotRegisterEndsEveryAdoptedStreamAsAgentLost() {
    Peer resumedPeer = new Peer();
    Peer reopenPeer = new Peer();
    TunnelStream resumed = opened(4, resumedPeer, 100);
    TunnelStream reopen = new TunnelStream(5, old, reopenPeer, 1000);

    Resumption.of(next, List.of(resumed, reopen), List.of(new StreamPosition(4, 0, 0)))
        .abandon();

    assertThat(resumedPeer.closes).containsExactly(CloseCodes.AGENT_LOST);
    assertThat(reopenPeer.closes).containsExactly(CloseCodes.AGENT_LOST);
  }

  @Test
  void framesStillArrivingOnTheOldConnectionAreIgnoredOnceTheResumeTookTheStream()
      throws Exception {
    Peer peer = new Peer();
    TunnelStream stream = opened(6, peer, 100);
    Resumption.of(next, List.of(stream), List.of(new StreamPosition(6, 0, 0)));

    stream.onCredit(old, 500, 0);

    assertThat(stream.sendable()).isEqualTo(100);
    assertThat(peer.credits).isZero();
  }
}
