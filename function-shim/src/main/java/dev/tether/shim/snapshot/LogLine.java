package dev.tether.shim.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.protocol.SnapshotRedaction;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A logpoint's line: the template with each {@code {expression}} evaluated on the paused frame
 * side-effect free ({@code throwOnSideEffect}), all expressions at once. An expression that names
 * a denied value is not evaluated at all; one that throws shows its error in place.
 */
final class LogLine {
  static final int MAX_VALUE = 200;
  static final int MAX_LINE = 1000;

  private LogLine() {}

  static CompletableFuture<String> render(
      CdpSession session, SnapshotRedaction redaction, String callFrameId, String template) {
    List<Object> parts = new ArrayList<>();
    List<CompletableFuture<String>> values = new ArrayList<>();
    int at = 0;
    while (true) {
      int open = template.indexOf('{', at);
      int close = open < 0 ? -1 : template.indexOf('}', open + 1);
      if (close < 0) {
        parts.add(template.substring(at));
        break;
      }
      parts.add(template.substring(at, open));
      String expression = template.substring(open + 1, close).trim();
      CompletableFuture<String> value = redaction.denies(expression)
          ? CompletableFuture.completedFuture(SnapshotRedaction.MASK)
          : Evaluation.on(session, callFrameId, expression).thenApply(LogLine::text);
      values.add(value);
      parts.add(value);
      at = close + 1;
    }
    return CompletableFuture.allOf(values.toArray(CompletableFuture[]::new)).thenApply(done -> {
      StringBuilder line = new StringBuilder();
      for (Object part : parts) {
        line.append(part instanceof CompletableFuture<?> f ? (String) f.join() : (String) part);
      }
      return line.length() > MAX_LINE ? line.substring(0, MAX_LINE) + "…" : line.toString();
    });
  }

  private static String text(JsonNode reply) {
    if (reply.has("exceptionDetails")) {
      return "[error: " + Evaluation.error(reply) + "]";
    }
    JsonNode value = reply.path("result");
    String text = switch (value.path("type").asText()) {
      case "undefined" -> "undefined";
      case "string", "number", "boolean" -> value.has("unserializableValue")
          ? value.path("unserializableValue").asText() : value.path("value").asText();
      default -> value.path("description").asText(value.path("type").asText());
    };
    return text.length() > MAX_VALUE ? text.substring(0, MAX_VALUE) + "…" : text;
  }
}
