package dev.tether.shim.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.DataFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class InboundTest {
  private static final long WINDOW = 1024 * 1024;

  private static ByteBuf bytes(int size) {
    return Unpooled.buffer(size).writeZero(size);
  }

  @Test
  void aMessageInOneChunkIsHandedOnAsIs() {
    Inbound inbound = new Inbound(WINDOW, 1024);
    ByteBuf chunk = Unpooled.copiedBuffer("{\"id\":1}", StandardCharsets.UTF_8);

    Inbound.Outcome outcome = inbound.accept(chunk, true);

    assertThat(outcome).isInstanceOf(Inbound.Message.class);
    assertThat(((Inbound.Message) outcome).content().toString(StandardCharsets.UTF_8))
        .isEqualTo("{\"id\":1}");
  }

  @Test
  void chunksAreGatheredUntilFin() {
    Inbound inbound = new Inbound(WINDOW, 1024);

    assertThat(inbound.accept(Unpooled.copiedBuffer("{\"id\":", StandardCharsets.UTF_8), false))
        .isInstanceOf(Inbound.NeedMore.class);
    Inbound.Outcome outcome = inbound.accept(Unpooled.copiedBuffer("2}", StandardCharsets.UTF_8), true);

    assertThat(((Inbound.Message) outcome).content().toString(StandardCharsets.UTF_8))
        .isEqualTo("{\"id\":2}");
  }

  @Test
  void creditIsGrantedOnlyAfterTheWriteToTheInspectorSucceeded() {
    Inbound inbound = new Inbound(WINDOW, WINDOW);
    inbound.accept(bytes((int) WINDOW / 4), true);
    inbound.writeStarted();

    assertThat(inbound.takeCredit()).isZero();

    inbound.writeFinished();
    assertThat(inbound.takeCredit()).isEqualTo(WINDOW / 4);
    assertThat(inbound.takeCredit()).isZero();
  }

  @Test
  void smallMessagesAreGrantedByTheQuarterWindowSoARoundTripSendsNoCreditMessage() {
    Inbound inbound = new Inbound(WINDOW, 1024);
    long relayCredit = WINDOW;
    int grants = 0;
    for (int i = 0; i < 10_000; i++) {
      assertThat(relayCredit).as("the relay never waits for credit").isGreaterThanOrEqualTo(230);
      relayCredit -= 230;
      Inbound.Outcome outcome = inbound.accept(bytes(230), true);
      ((Inbound.Message) outcome).content().release();
      inbound.writeStarted();
      inbound.writeFinished();
      long grant = inbound.takeCredit();
      if (grant > 0) {
        grants++;
        assertThat(grant).isGreaterThanOrEqualTo(WINDOW / 4);
        relayCredit += grant;
      }
    }

    // 10,000 commands of 230 bytes: 2.3 MB, granted in 8 messages instead of 10,000.
    assertThat(grants).isBetween(8, 9);
  }

  @Test
  void aMessageLargerThanTheWindowFlowsBecauseHalfAWindowMidMessageIsGranted() {
    Inbound inbound = new Inbound(WINDOW, 64L * 1024 * 1024);
    long relayCredit = WINDOW;
    long sent = 0;
    long total = 5_000_000;
    Inbound.Outcome last = null;
    while (sent < total) {
      int size = (int) Math.min(DataFrame.MAX_CHUNK, total - sent);
      assertThat(relayCredit).as("the relay never runs dry mid-message").isGreaterThanOrEqualTo(size);
      relayCredit -= size;
      sent += size;
      last = inbound.accept(bytes(size), sent == total);
      if (!(last instanceof Inbound.Message)) {
        relayCredit += inbound.takeCredit();
      }
    }

    assertThat(last).isInstanceOf(Inbound.Message.class);
    assertThat(((Inbound.Message) last).content().readableBytes()).isEqualTo(5_000_000);
  }

  @Test
  void sendingBeyondTheWindowClosesTheStreamAsAProtocolError() {
    Inbound inbound = new Inbound(DataFrame.MAX_CHUNK, 1024 * 1024);
    inbound.accept(bytes(DataFrame.MAX_CHUNK), false);

    Inbound.Outcome outcome = inbound.accept(bytes(1), true);

    assertThat(outcome).isInstanceOf(Inbound.Refused.class);
    assertThat(((Inbound.Refused) outcome).code()).isEqualTo(CloseCodes.PROTOCOL_ERROR);
    assertThat(((Inbound.Refused) outcome).reason()).contains("window");
  }

  @Test
  void aMessageOverTheLimitClosesTheStreamWith1009() {
    Inbound inbound = new Inbound(WINDOW, 1000);
    ByteBuf first = bytes(600);
    inbound.accept(first, false);
    inbound.takeCredit();

    Inbound.Outcome outcome = inbound.accept(bytes(600), false);

    assertThat(outcome).isInstanceOf(Inbound.Refused.class);
    assertThat(((Inbound.Refused) outcome).code()).isEqualTo(CloseCodes.MESSAGE_TOO_BIG);
    assertThat(((Inbound.Refused) outcome).reason()).contains("1000 bytes");
    inbound.release();
    assertThat(first.refCnt()).isZero();
  }
}
