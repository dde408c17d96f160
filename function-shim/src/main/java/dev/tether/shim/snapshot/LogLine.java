package dev.tether.shim.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.protocol.SnapshotRedaction;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A logpoint's line: the template with each {@code {expression}} evaluated on the paused frame
 * side-effect free ({@code throwOnSideEffect}), all expressions at once. An expression that names
 * a denied value is not evaluated at all; one that throws, or that V8 stops, shows its error in
 * place.
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
          : Evaluation.on(session, callFrameId, expression).handle(LogLine::textOrError);
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

  /**
   * An expression V8 stopped (its 50 ms were up, e.g. on a loaded machine) shows that in place,
   * as one that throws does: the line still tells the rest, and the pause budget, not one slow
   * evaluation, decides whether the point goes on.
   */
  private static String textOrError(JsonNode reply, Throwable error) {
    if (error == null) {
      return text(reply);
    }
    Throwable cause = error.getCause() != null ? error.getCause() : error;
    return "[error: " + cause.getMessage() + "]";
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
