package dev.tether.relay.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** One specification for every crash report store. */
abstract class ReportStoreContract {
  static final ObjectMapper MAPPER = new ObjectMapper();

  protected abstract ReportStore newStore() throws Exception;

  /** A second store over the same storage, as after a relay restart. */
  protected abstract ReportStore sameStorage() throws Exception;

  @Test
  void aStoredReportIsFoundByItsFunctionAndIdAndSurvivesARestart() throws Exception {
    ReportStore store = newStore();
    store.add(report("orders", 1, "TypeError: boom"));

    CrashReport found = sameStorage().find("orders", id(1)).orElseThrow();

    assertThat(found.message()).isEqualTo("TypeError: boom");
    assertThat(found.stack()).containsExactly("at handle (/srv/app.js:3:9)");
    assertThat(found.instance()).isEqualTo("orders-1");
    assertThat(found.report().at("/javascriptHeap/usedMemory").asInt()).isEqualTo(1234);
  }

  @Test
  void aFunctionsReportsAreListedNewestFirstAndNoOtherFunctionSeesThem() throws Exception {
    ReportStore store = newStore();
    store.add(report("orders", 1, "Error: first"));
    store.add(report("orders", 2, "Error: second"));
    store.add(report("billing", 3, "Error: elsewhere"));

    assertThat(store.list("orders")).extracting(CrashReport::message)
        .containsExactly("Error: second", "Error: first");
    assertThat(store.find("billing", id(1))).isEmpty();
    assertThat(store.list("nobody")).isEmpty();
  }

  @Test
  void onlyTheNewestReportsOfAFunctionAreKept() throws Exception {
    ReportStore store = newStore();
    for (int i = 1; i <= ReportStore.MAX_PER_FUNCTION + 3; i++) {
      store.add(report("orders", i, "Error: " + i));
    }

    assertThat(store.list("orders")).hasSize(ReportStore.MAX_PER_FUNCTION)
        .first().extracting(CrashReport::message)
        .isEqualTo("Error: " + (ReportStore.MAX_PER_FUNCTION + 3));
    assertThat(store.find("orders", id(1))).isEmpty();
  }

  @Test
  void theNewestReportOfEachFunctionMarksItAsCrashed() throws Exception {
    ReportStore store = newStore();
    store.add(report("orders", 1, "Error: first"));
    store.add(report("orders", 2, "Error: second"));
    store.add(report("billing", 3, "Error: elsewhere"));

    assertThat(store.latest()).containsOnlyKeys("orders", "billing");
    assertThat(store.latest().get("orders").message()).isEqualTo("Error: second");
  }

  static String id(int n) {
    return String.format("r-%013d-0000000a", n);
  }

  static CrashReport report(String function, int n, String message) {
    ObjectNode report = MAPPER.createObjectNode();
    report.putObject("header").put("trigger", "Exception").put("event", "Exception");
    report.putObject("javascriptStack").put("message", message).putArray("stack")
        .add("at handle (/srv/app.js:3:9)");
    report.putObject("javascriptHeap").put("usedMemory", 1234);
    return CrashReport.of(id(n), function, function + "-1", Instant.ofEpochMilli(n), 1, report);
  }
}
