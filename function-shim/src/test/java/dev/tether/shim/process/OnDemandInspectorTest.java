package dev.tether.shim.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OnDemandInspectorTest {
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stop() {
    processes.forEach(Process::destroyForcibly);
  }

  @Test
  void theInspectorPortIsLearnedFromTheProcesssCommandLine() throws Exception {
    Process process = start(new ProcessBuilder(
        "/bin/sh", "-c", "sleep 30", "--inspect-port=127.0.0.1:4567"));

    assertThat(OnDemandInspector.configuredPort(process.pid())).isEqualTo(4567);
  }

  @Test
  void theInspectorPortIsLearnedFromNodeOptions() throws Exception {
    ProcessBuilder builder = new ProcessBuilder("sleep", "30");
    builder.environment().put("NODE_OPTIONS", "--max-old-space-size=64 --inspect-port=7777");

    assertThat(OnDemandInspector.configuredPort(start(builder).pid())).isEqualTo(7777);
  }

  @Test
  void withoutAFlagItIsNodesDefault9229() throws Exception {
    ProcessBuilder builder = new ProcessBuilder("sleep", "30");
    builder.environment().remove("NODE_OPTIONS");

    assertThat(OnDemandInspector.configuredPort(start(builder).pid())).isEqualTo(9229);
  }

  @Test
  void aProcessListeningOnNothingHasNoPorts() throws Exception {
    Process process = start(new ProcessBuilder("sleep", "30"));

    assertThat(new OnDemandInspector(process.pid(), null).listeningPorts()).isEmpty();
  }

  private Process start(ProcessBuilder builder) throws Exception {
    Process process = builder.start();
    processes.add(process);
    return process;
  }
}
