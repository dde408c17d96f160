package dev.tether.relay.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TakeoverTest {
  private static final Instant FIRST = Instant.parse("2026-11-29T10:00:00Z");
  private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");

  /** The connection holding the instance, with the secret "s3cret" and one stream to give up. */
  private static final class Holding implements Takeover.Holder {
    int handOvers;
    boolean streamsGone;

    @Override
    public boolean ownedBy(String offered) {
      return "s3cret".equals(offered);
    }

    @Override
    public String secret() {
      return "s3cret";
    }

    @Override
    public Instant connectedAt() {
      return FIRST;
    }

    @Override
    public AgentTunnel.Handover handOver() {
      handOvers++;
      return streamsGone ? null : new AgentTunnel.Handover(List.of(), 7);
    }
  }

  @Test
  void aHelloForAnInstanceNobodyHoldsGetsANewSecret() {
    Takeover.Decision decision = Takeover.decide(null, false, null, () -> "fresh", NOW);

    assertThat(decision).isEqualTo(new Takeover.Taken("fresh", NOW, null));
  }

  @Test
  void aResumeWithoutTheSecretIsRefusedAndTheHolderGivesUpNothing() {
    Holding holder = new Holding();

    Takeover.Decision missing = Takeover.decide(holder, true, null, () -> "fresh", NOW);
    Takeover.Decision wrong = Takeover.decide(holder, true, "guess", () -> "fresh", NOW);

    assertThat(missing).isInstanceOf(Takeover.Refused.class);
    assertThat(((Takeover.Refused) missing).details()).containsEntry("secret", "missing");
    assertThat(((Takeover.Refused) wrong).details()).containsEntry("secret", "wrong")
        .containsEntry("resume", true);
    assertThat(((Takeover.Refused) wrong).reason()).contains("resume secret");
    assertThat(holder.handOvers).isZero();
  }

  @Test
  void aFreshHelloForALiveInstanceIsRefusedWithoutTheSecretToo() {
    Takeover.Decision decision = Takeover.decide(new Holding(), false, null, () -> "x", NOW);

    assertThat(decision).isInstanceOf(Takeover.Refused.class);
    assertThat(((Takeover.Refused) decision).details()).containsEntry("resume", false);
  }

  @Test
  void aResumeWithTheSecretTakesTheStreamsAndKeepsSecretAndFirstConnection() {
    Holding holder = new Holding();

    Takeover.Taken taken =
        (Takeover.Taken) Takeover.decide(holder, true, "s3cret", () -> "fresh", NOW);

    assertThat(holder.handOvers).isEqualTo(1);
    assertThat(taken.handover().lastStreamId()).isEqualTo(7);
    assertThat(taken.secret()).isEqualTo("s3cret");
    assertThat(taken.connectedAt()).isEqualTo(FIRST);
  }

  @Test
  void aFreshHelloWithTheSecretReplacesTheConnectionWithoutTakingItsStreams() {
    Holding holder = new Holding();

    Takeover.Taken taken =
        (Takeover.Taken) Takeover.decide(holder, false, "s3cret", () -> "fresh", NOW);

    assertThat(holder.handOvers).isZero();
    assertThat(taken).isEqualTo(new Takeover.Taken("s3cret", NOW, null));
  }

  @Test
  void aResumeAfterTheStreamsWereGoneRegistersAsANewConnectionOfTheInstance() {
    Holding holder = new Holding();
    holder.streamsGone = true;

    Takeover.Taken taken =
        (Takeover.Taken) Takeover.decide(holder, true, "s3cret", () -> "fresh", NOW);

    assertThat(taken).isEqualTo(new Takeover.Taken("s3cret", NOW, null));
  }
}
