package dev.tether.shim.crash;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.protocol.TunnelMessage;
import dev.tether.shim.process.NodeCommand;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class CrashReportsTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Test
  void theReportDirectoryIsPrivateToTheShimsUser() throws Exception {
    try (CrashReports reports = CrashReports.create()) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(reports.directory())))
          .isEqualTo("rwx------");
    }
  }

  @Test
  void anUncaughtExceptionLeavesAReportWithTheErrorAndStackButNoEnvironmentValue()
      throws Exception {
    try (CrashReports reports = CrashReports.create()) {
      int code = crash(reports.directory(),
          "function handle(){ throw new Error('order 42 failed') }\nhandle()");

      assertThat(code).isNotZero();
      ObjectNode report = reports.take().orElseThrow();
      String json = MAPPER.writeValueAsString(report);
      assertThat(report.at("/javascriptStack/stack").toString()).contains("order 42 failed")
          .contains("at handle");
      assertThat(report.at("/header/trigger").asText()).isEqualTo("Exception");
      assertThat(report.at("/environmentVariables/PAYMENTS_API_KEY").asText())
          .isEqualTo(ReportCondenser.REDACTED);
      assertThat(json).doesNotContain("sk_live_hunter2");
      assertThat(json.getBytes(StandardCharsets.UTF_8).length)
          .isLessThanOrEqualTo(TunnelMessage.Crash.MAX_REPORT_BYTES);
      assertThat(reports.take()).as("a report is taken once").isEmpty();
    }
  }

  @Test
  void aCrashOfANodeTheFunctionStartedIsNotReportedAsTheFunctions() throws Exception {
    try (CrashReports reports = CrashReports.create()) {
      crash(reports.directory(), "throw new Error('a child process died')");
      String child;
      try (var files = Files.list(reports.directory())) {
        child = files.findFirst().orElseThrow().getFileName().toString();
      }
      long childPid = Long.parseLong(child.split("\\.")[3]);

      assertThat(reports.take(childPid + 1)).as("the function is another process").isEmpty();
      assertThat(reports.directory().toFile().list()).as("taken or not, none stays").isEmpty();
    }
  }

  @Test
  void aFunctionThatExitsNormallyHasNoReport() throws Exception {
    try (CrashReports reports = CrashReports.create()) {
      assertThat(crash(reports.directory(), "console.log('fine')")).isZero();

      assertThat(reports.take()).isEmpty();
    }
  }

  @Test
  void closingDeletesTheDirectoryAndAnyReportLeftInIt(@TempDir Path parent) throws Exception {
    Path directory = Files.createDirectory(parent.resolve("reports"));
    Files.writeString(directory.resolve("report.1.json"), "{}");

    CrashReports.in(directory).close();

    assertThat(directory).doesNotExist();
  }

  private static int crash(Path directory, String script) throws Exception {
    NodeCommand node = NodeCommand.withInspector(List.of("node", "-e", script), 0, null,
        NodeCommand.Inspector.ON_DEMAND, directory);
    ProcessBuilder builder = new ProcessBuilder(node.argv()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    builder.environment().put("PAYMENTS_API_KEY", "sk_live_hunter2");
    Process process = builder.start();
    assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
    return process.exitValue();
  }

  @Test
  void theLaunchersDirectoryIsTakenOnlyWhenItIsPrivateAndOurs(@TempDir Path parent)
      throws Exception {
    Path made = Files.createDirectory(parent.resolve("mine"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path open = Files.createDirectory(parent.resolve("open"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    Path link = Files.createSymbolicLink(parent.resolve("link"), made);

    assertThat(CrashReports.madeByLauncher(made.toString())).isNotNull();
    assertThat(CrashReports.madeByLauncher(open.toString())).as("readable by others").isNull();
    assertThat(CrashReports.madeByLauncher(link.toString())).as("a link to elsewhere").isNull();
    assertThat(CrashReports.madeByLauncher(parent.resolve("none").toString())).isNull();
    assertThat(CrashReports.madeByLauncher(null)).isNull();
  }
}
