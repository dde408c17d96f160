package dev.tether.shim.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ParentWatchTest {
  private static final List<String> FUNCTION =
      List.of("node", "-e", "setInterval(() => {}, 1000)");

  @Test
  void theFunctionStopsWhenTheLauncherThatStartedItDies() throws Exception {
    Process launcher = new ProcessBuilder("sleep", "600").start();
    NodeProcess function = NodeProcess.start(FUNCTION);
    try {
      ParentWatch.fromEnvironment(Map.of(ParentWatch.VARIABLE, Long.toString(launcher.pid())))
          .orElseThrow().stopWhenGone(function);
      assertThat(function.exit()).as("running while the launcher runs").isNotDone();

      launcher.destroyForcibly(); // kill -9

      assertThat(function.exit().get(20, TimeUnit.SECONDS)).isEqualTo(128 + 15);
    } finally {
      function.stop(java.time.Duration.ofSeconds(1));
      launcher.destroyForcibly();
    }
  }

  @Test
  void aLauncherThatIsAlreadyGoneStopsTheFunctionAtOnce() throws Exception {
    Process launcher = new ProcessBuilder("true").start();
    launcher.waitFor();
    NodeProcess function = NodeProcess.start(FUNCTION);
    try {
      ParentWatch.fromEnvironment(Map.of(ParentWatch.VARIABLE, Long.toString(launcher.pid())))
          .orElseThrow().stopWhenGone(function);
      assertThat(function.exit().get(20, TimeUnit.SECONDS)).isEqualTo(128 + 15);
    } finally {
      function.stop(java.time.Duration.ofSeconds(1));
    }
  }

  @Test
  void withoutTheVariableOrWithGarbageInItNothingIsWatched() {
    assertThat(ParentWatch.fromEnvironment(Map.of())).isEmpty();
    assertThat(ParentWatch.fromEnvironment(Map.of(ParentWatch.VARIABLE, "not-a-pid"))).isEmpty();
  }
}
