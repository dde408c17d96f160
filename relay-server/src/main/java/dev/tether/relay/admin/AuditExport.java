package dev.tether.relay.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.tether.relay.audit.AuditRecord;
import dev.tether.relay.http.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Writes audit records as JSON Lines (the stored, verifiable lines) or as CSV for spreadsheets. */
final class AuditExport {
  static final List<String> COLUMNS = List.of("seq", "time", "code", "type", "actor", "role",
      "function", "instance", "session", "remote", "details", "prev", "hash");

  private AuditExport() {}

  static byte[] jsonLines(List<AuditRecord> records) {
    StringBuilder out = new StringBuilder();
    for (AuditRecord record : records) {
      out.append(record.line()).append('\n');
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  static byte[] csv(List<AuditRecord> records) {
    StringBuilder out = new StringBuilder(String.join(",", COLUMNS)).append("\r\n");
    for (AuditRecord record : records) {
      for (int i = 0; i < COLUMNS.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        out.append(cell(value(record, COLUMNS.get(i))));
      }
      out.append("\r\n");
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String value(AuditRecord record, String column) {
    if (column.equals("details")) {
      try {
        return Json.MAPPER.writeValueAsString(record.details());
      } catch (JsonProcessingException e) {
        return "";
      }
    }
    String text = record.text(column);
    return text == null ? "" : text;
  }

  /**
   * RFC 4180 quoting, and a leading apostrophe for text a spreadsheet would run as a formula
   * (a CDP expression like {@code =cmd|...} is attacker-chosen text).
   */
  static String cell(String text) {
    String safe = !text.isEmpty() && "=+-@\t\r".indexOf(text.charAt(0)) >= 0 ? "'" + text : text;
    if (safe.contains(",") || safe.contains("\"") || safe.contains("\n") || safe.contains("\r")
        || !safe.equals(text)) {
      return "\"" + safe.replace("\"", "\"\"") + "\"";
    }
    return safe;
  }
}
