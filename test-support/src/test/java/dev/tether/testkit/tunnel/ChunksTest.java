package dev.tether.testkit.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.protocol.DataFrame;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ChunksTest {
  @Test
  void aMessageIsCutIntoFullChunksAndTheLastOneEndsIt() {
    String message = "x".repeat(2 * DataFrame.MAX_CHUNK + 5);
    List<DataFrame.Chunk> chunks = Chunks.split(3, message);
    assertThat(chunks).extracting(c -> c.payload().remaining())
        .containsExactly(DataFrame.MAX_CHUNK, DataFrame.MAX_CHUNK, 5);
    assertThat(chunks).extracting(DataFrame.Chunk::fin).containsExactly(false, false, true);
    assertThat(chunks).extracting(DataFrame.Chunk::stream).containsOnly(3);
  }

  @Test
  void anEmptyMessageIsOneEmptyFinalChunk() {
    assertThat(Chunks.split(1, "")).singleElement()
        .satisfies(c -> assertThat(c.fin()).isTrue())
        .satisfies(c -> assertThat(c.payload().remaining()).isZero());
  }

  @Test
  void chunksOfTwoStreamsInterleavedAreGatheredIntoTheirOwnMessages() {
    Chunks gathered = new Chunks();
    List<DataFrame.Chunk> first = Chunks.split(1, "é".repeat(DataFrame.MAX_CHUNK));
    List<DataFrame.Chunk> second = Chunks.split(2, "{\"id\":2}");
    assertThat(gathered.gather(first.get(0))).isNull();
    assertThat(gathered.gather(second.get(0))).isEqualTo("{\"id\":2}");
    assertThat(gathered.gather(first.get(1))).isEqualTo("é".repeat(DataFrame.MAX_CHUNK));
  }

  @Test
  void aSenderSpendsOnlyTheCreditItWasGrantedAndWaitsForMore() throws Exception {
    CreditLedger ledger = new CreditLedger();
    ledger.grant(7, 100);
    assertThat(ledger.trySpend(7, 101)).isFalse();
    assertThat(ledger.trySpend(7, 60)).isTrue();
    assertThat(ledger.available(7)).isEqualTo(40);

    CompletableFuture<Void> spent = CompletableFuture.runAsync(() -> {
      try {
        ledger.spend(7, 90, Duration.ofSeconds(10));
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(spent).isNotDone();
    ledger.grant(7, 50);
    spent.get(10, TimeUnit.SECONDS);
    assertThat(ledger.available(7)).isZero();
  }

  @Test
  void noCreditWithinTheTimeoutFailsSayingHowMuchWasMissing() {
    CreditLedger ledger = new CreditLedger();
    ledger.grant(4, 10);
    assertThatThrownBy(() -> ledger.spend(4, 11, Duration.ofMillis(20)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("11 bytes on stream 4").hasMessageContaining("have 10");
  }
}
