package dev.tether.shim.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class NodeCommandTest {
  @Test
  void theInspectorFlagsGoRightAfterNode() {
    NodeCommand command = NodeCommand.withInspector(List.of("node", "server.js", "--port", "1"), 4321, null);

    assertThat(command.argv())
        .containsExactly(
            "node", "--inspect=127.0.0.1:4321", "--inspect-publish-uid=http", "server.js", "--port", "1");
    assertThat(command.nodeOptions()).isNull();
  }

  @Test
  void waitingForTheDebuggerUsesInspectWaitSoNodeHoldsTheScriptUntilReleased() {
    NodeCommand command =
        NodeCommand.withInspector(List.of("node", "server.js"), 4321, null, true);

    assertThat(command.argv())
        .containsExactly("node", "--inspect-wait=127.0.0.1:4321", "--inspect-publish-uid=http",
            "server.js");
  }

  @Test
  void nodeIsRecognisedByItsFileName() {
    assertThat(NodeCommand.isNode("/usr/local/bin/node")).isTrue();
    assertThat(NodeCommand.isNode("nodejs")).isTrue();
    assertThat(NodeCommand.isNode("node20")).isTrue();
    assertThat(NodeCommand.isNode("npm")).isFalse();
    assertThat(NodeCommand.isNode("nodemon")).isFalse();
  }

  @Test
  void anyOtherProgramGetsTheFlagsThroughNodeOptionsAfterTheInheritedOnes() {
    NodeCommand command =
        NodeCommand.withInspector(List.of("npm", "start"), 4321, "--max-old-space-size=128");

    assertThat(command.argv()).containsExactly("npm", "start");
    assertThat(command.nodeOptions())
        .isEqualTo("--max-old-space-size=128 --inspect=127.0.0.1:4321 --inspect-publish-uid=http");
  }

  @Test
  void theInspectorNeverListensOnAllInterfaces() {
    NodeCommand command = NodeCommand.withInspector(List.of("node", "x.js"), 9, null);

    assertThat(String.join(" ", command.argv())).doesNotContain("0.0.0.0").contains("127.0.0.1:9");
  }

  @Test
  void aReportDirectoryAsksNodeForADiagnosticReportOnAnUncaughtExceptionOrAFatalError() {
    NodeCommand command = NodeCommand.withInspector(List.of("node", "x.js"), 9, null,
        NodeCommand.Inspector.OPEN, java.nio.file.Path.of("/tmp/tether-reports-1"));

    assertThat(command.argv()).containsSubsequence("node", "--report-uncaught-exception",
        "--report-on-fatalerror", "--report-directory=/tmp/tether-reports-1", "x.js");
  }

  @Test
  void aLauncherGetsTheReportFlagsThroughNodeOptions() {
    NodeCommand command = NodeCommand.withInspector(List.of("npm", "start"), 9, null,
        NodeCommand.Inspector.OPEN, java.nio.file.Path.of("/tmp/tether-reports-1"));

    assertThat(command.argv()).containsExactly("npm", "start");
    assertThat(command.nodeOptions())
        .contains("--report-on-fatalerror", "--report-directory=/tmp/tether-reports-1");
  }
}
