package dev.tether.relay.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/** The one JSON form in which both stores keep a report: its identity and Node's report. */
final class StoredReports {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private StoredReports() {}

  static String write(CrashReport report) {
    ObjectNode stored = MAPPER.createObjectNode()
        .put("id", report.id()).put("function", report.function())
        .put("instance", report.instance()).put("receivedAt", report.receivedAt().toString())
        .put("exitCode", report.exitCode());
    stored.set("report", report.report());
    try {
      return MAPPER.writeValueAsString(stored);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a report tree cannot be written", e);
    }
  }

  static CrashReport read(String json) throws JsonProcessingException {
    JsonNode stored = MAPPER.readTree(json);
    return CrashReport.of(stored.path("id").asText(), stored.path("function").asText(),
        stored.path("instance").asText(), Instant.parse(stored.path("receivedAt").asText()),
        stored.path("exitCode").asInt(), stored.path("report"));
  }
}
