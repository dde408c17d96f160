package dev.tether.shim.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.CompletableFuture;

/**
 * Evaluates an expression on a paused frame the only way snapshot points may: {@code
 * throwOnSideEffect} (V8 refuses anything that could change the function's state, in every mode),
 * silent, and bounded in time.
 */
final class Evaluation {
  /** A condition or a template's expression runs inside the pause: it must be quick. */
  static final int TIMEOUT_MS = 50;
  /** V8's error when it stopped an evaluation at its timeout. */
  static final String TERMINATED = "Execution was terminated";

  private Evaluation() {}

  static CompletableFuture<JsonNode> on(CdpSession session, String callFrameId, String expression) {
    return session.send("Debugger.evaluateOnCallFrame", CdpSession.params()
        .put("callFrameId", callFrameId).put("expression", expression)
        .put("throwOnSideEffect", true).put("silent", true).put("returnByValue", false)
        .put("generatePreview", false).put("timeout", TIMEOUT_MS));
  }

  /** True when the evaluated value is truthy; an exception is an error for the caller. */
  static boolean truthy(JsonNode reply) {
    if (reply.has("exceptionDetails")) {
      throw new CdpSession.CdpError(error(reply));
    }
    JsonNode value = reply.path("result");
    return switch (value.path("type").asText()) {
      case "undefined" -> false;
      case "object" -> !"null".equals(value.path("subtype").asText());
      case "boolean" -> value.path("value").asBoolean();
      case "number" -> value.has("value") && value.path("value").asDouble() != 0;
      case "string" -> !value.path("value").asText().isEmpty();
      case "bigint" -> !"0n".equals(value.path("unserializableValue").asText());
      default -> true;
    };
  }

  static String error(JsonNode reply) {
    JsonNode details = reply.path("exceptionDetails");
    String text = details.at("/exception/description").asText(details.path("text").asText());
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }
}
