package dev.tether.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.testkit.cdp.CdpClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code --wait-for-debugger}: the function waits before its first line until a debugger has set
 * its breakpoints and starts it; without a debugger it starts after the timeout.
 */
@Timeout(120)
class WaitForDebuggerTest {
  private TetherStack tether;

  @AfterEach
  void stop() {
    if (tether != null) {
      tether.close();
    }
  }

  @Test
  void aBreakpointOnTheFunctionsFirstLinesIsHitBecauseNothingRanBeforeTheDebuggerSaidSo()
      throws Exception {
    tether = TetherStack.start();
    TetherStack.Function orders = tether.startFunction("orders", tether.relayUri("/agent"),
        shim -> shim.withWaitForDebugger(Duration.ofSeconds(60)), false);
    assertThat(servesWithin(orders, Duration.ofSeconds(2)))
        .as("the function is held, so it does not serve yet")
        .isFalse();

    String alice = tether.userToken("alice", List.of("orders"));
    int line = TetherStack.lineOf("examples/orders/server.js", "const port =");
    try (CdpClient devtools = CdpClient.connect(tether.openSession(alice, "orders"))) {
      devtools.send("Debugger.enable");
      devtools.send("Debugger.setBreakpointByUrl", "lineNumber", line, "urlRegex", "server\\.js$");
      devtools.send("Runtime.runIfWaitingForDebugger");

      JsonNode paused = devtools.awaitEvent("Debugger.paused", Duration.ofSeconds(20));
      assertThat(paused.path("params").path("callFrames").get(0).path("location")
          .path("lineNumber").asInt()).isEqualTo(line);
      devtools.send("Debugger.resume");
      orders.awaitServing();
    }
  }

  @Test
  void withoutADebuggerTheFunctionRunsOnceTheTimeoutPasses() throws Exception {
    tether = TetherStack.start();
    long started = System.nanoTime();
    TetherStack.Function orders = tether.startFunction("orders", tether.relayUri("/agent"),
        shim -> shim.withWaitForDebugger(Duration.ofMillis(1500)), false);

    orders.awaitServing();

    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))
        .as("it waited for the timeout first")
        .isGreaterThanOrEqualTo(1500);
  }

  private static boolean servesWithin(TetherStack.Function function, Duration patience)
      throws InterruptedException {
    try {
      function.invoke("{}").get(patience.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      return false;
    }
  }
}
