package dev.tether.shim.crash;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ReportCondenserTest {
  private final ObjectMapper mapper = new ObjectMapper();

  @Test
  void environmentNamesAreKeptAndEveryValueRedacted() {
    ObjectNode report = report();
    report.putObject("environmentVariables").put("DATABASE_URL", "postgres://u:pw@db/x")
        .put("PATH", "/usr/bin");

    ObjectNode condensed = new ReportCondenser(mapper).condense(report);

    assertThat(condensed.get("environmentVariables").toString())
        .contains("DATABASE_URL", "PATH").doesNotContain("pw@db", "/usr/bin");
    assertThat(report.at("/environmentVariables/PATH").asText())
        .as("the original is untouched").isEqualTo("/usr/bin");
  }

  @Test
  void networkInterfacesAndLoadedLibrariesNeverLeaveTheMachine() {
    ObjectNode report = report();
    ((ObjectNode) report.get("header")).putArray("networkInterfaces").addObject()
        .put("address", "10.1.2.3");
    report.putArray("sharedObjects").add("/lib/x86_64-linux-gnu/libc.so.6");

    ObjectNode condensed = new ReportCondenser(mapper).condense(report);

    assertThat(condensed.toString()).doesNotContain("10.1.2.3", "libc.so.6");
    assertThat(condensed.at("/tether/omitted").toString())
        .contains("sharedObjects", "header.networkInterfaces");
  }

  @Test
  void anOversizeReportLosesItsLeastUsefulSectionsFirstAndKeepsTheError() {
    ObjectNode report = report();
    ArrayNode handles = report.putArray("libuv");
    for (int i = 0; i < 40; i++) {
      handles.addObject().put("type", "tcp").put("details", "x".repeat(900));
    }
    report.putObject("nativeStack").put("frames", "y".repeat(20_000));
    report.putObject("javascriptHeap").put("usedMemory", 123);

    ObjectNode condensed = new ReportCondenser(mapper, 16 * 1024).condense(report);

    assertThat(condensed.toString().getBytes(StandardCharsets.UTF_8).length)
        .isLessThanOrEqualTo(16 * 1024);
    assertThat(condensed.at("/tether/omitted").toString()).contains("libuv", "nativeStack");
    assertThat(condensed.at("/javascriptHeap/usedMemory").asInt()).isEqualTo(123);
    assertThat(condensed.at("/javascriptStack/message").asText()).contains("kaboom");
  }

  @Test
  void aStackTooLongForAnyBudgetIsCutToItsFirstLines() {
    ObjectNode report = report();
    ArrayNode lines = (ArrayNode) report.at("/javascriptStack/stack");
    for (int i = 0; i < 500; i++) {
      lines.add("at frame" + i + " (/srv/app.js:" + i + ":1) " + "z".repeat(900));
    }

    ObjectNode condensed = new ReportCondenser(mapper, 24 * 1024).condense(report);

    assertThat(condensed.toString().length()).isLessThanOrEqualTo(24 * 1024);
    assertThat(condensed.at("/javascriptStack/stack/0").asText()).startsWith("Error: kaboom");
  }

  private ObjectNode report() {
    ObjectNode report = mapper.createObjectNode();
    report.putObject("header").put("event", "Error: kaboom").put("trigger", "Exception");
    ObjectNode stack = report.putObject("javascriptStack").put("message", "Error: kaboom");
    stack.putArray("stack").add("Error: kaboom").add("at boom (/srv/app.js:3:9)");
    return report;
  }
}
