package dev.tether.relay.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.protocol.SafeText;
import dev.tether.protocol.SnapshotPoint;
import dev.tether.protocol.SnapshotRedaction;
import dev.tether.relay.config.Durations;
import dev.tether.relay.config.SnapshotConfig;
import dev.tether.relay.http.ApiError;
import java.time.Duration;
import java.util.Set;

/**
 * The body of {@code POST /api/functions/{name}/snapshots}, checked field by field: {@code url},
 * {@code line} (1-based), {@code maxHits}, {@code expiresIn}, {@code condition}, {@code log}.
 * Every refusal is a 400 that names the field and what to send.
 */
record PointRequest(
    String url, int line, int maxHits, Duration expiresIn, String condition, String log) {
  private static final Set<String> FIELDS =
      Set.of("url", "line", "maxHits", "expiresIn", "condition", "log");
  static final int MAX_HITS = 1000;
  static final int MAX_LINE = 1_000_000;

  static PointRequest read(JsonNode body, SnapshotConfig config, SnapshotRedaction redaction) {
    if (body == null || !body.isObject()) {
      throw example("the body must be a JSON object");
    }
    body.fieldNames().forEachRemaining(name -> {
      if (!FIELDS.contains(name)) {
        throw example("unknown field \"" + name + "\"");
      }
    });
    String url = text(body, "url", true);
    JsonNode line = body.get("line");
    if (line == null || !line.canConvertToInt() || !line.isIntegralNumber()
        || line.asInt() < 1 || line.asInt() > MAX_LINE) {
      throw example("\"line\" is required: a whole number from 1 (the first line, as editors"
          + " number them)");
    }
    String condition = text(body, "condition", false);
    String log = text(body, "log", false);
    JsonNode hits = body.get("maxHits");
    int maxHits = log != null ? 100 : 10;
    if (hits != null && !hits.isNull()) {
      if (!hits.isIntegralNumber() || hits.asInt() < 1 || hits.asInt() > MAX_HITS) {
        throw example("\"maxHits\" must be a whole number from 1 to " + MAX_HITS);
      }
      maxHits = hits.asInt();
    }
    Duration expiresIn = Duration.ofHours(1);
    String expires = text(body, "expiresIn", false);
    if (expires != null) {
      try {
        expiresIn = Durations.parse(expires);
      } catch (IllegalArgumentException e) {
        throw example("\"expiresIn\": " + e.getMessage());
      }
      if (expiresIn.toSeconds() < 1 || expiresIn.compareTo(config.maxExpiresIn()) > 0) {
        throw example("\"expiresIn\" must be between 1s and " + Durations.format(config.maxExpiresIn())
            + " (the relay's snapshots.maxExpiresIn)");
      }
    }
    if (log != null) {
      for (String expression : SnapshotPoint.templateExpressions(log)) {
        if (expression.isEmpty()) {
          throw example("\"log\" has an empty {}; write {variable} or {object.field}");
        }
        if (redaction.denies(expression)) {
          throw new ApiError(400, "masked_in_log", "\"log\" names {" + expression + "}, which the"
              + " relay masks (snapshots.redact); log something else");
        }
      }
    }
    return new PointRequest(url, line.asInt(), maxHits, expiresIn, condition, log);
  }

  /** True when the point runs code beyond plain variable paths: a condition, or a log expression. */
  boolean runsCode() {
    return condition != null || SnapshotPoint.templateExpressions(log).stream()
        .anyMatch(e -> !SnapshotPoint.isPlainPath(e));
  }

  private static String text(JsonNode body, String field, boolean required) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      if (required) {
        throw example("\"" + field + "\" is required");
      }
      return null;
    }
    if (!value.isTextual() || value.asText().isBlank()
        || value.asText().length() > SnapshotPoint.MAX_TEXT_CHARS) {
      throw example("\"" + field + "\" must be a non-empty string of at most "
          + SnapshotPoint.MAX_TEXT_CHARS + " characters");
    }
    if (!SafeText.isSafe(value.asText())) {
      throw example("\"" + field + "\" may not hold control characters or line breaks");
    }
    return value.asText();
  }

  private static ApiError example(String problem) {
    return ApiError.badRequest("bad_body", problem + "; send e.g. {\"url\": \"handler.js\","
        + " \"line\": 12, \"maxHits\": 10, \"expiresIn\": \"1h\"}");
  }
}
