package dev.tether.relay.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.protocol.SnapshotRedaction;
import dev.tether.relay.http.Json;

/**
 * The relay's strict reader of the scopes a shim captured: it rebuilds them in the shape a shim
 * captures ({@code [{frame, type, name?, variables: [{name, type, value, redacted?, cut?,
 * children?}]}]}, every value text) and then masks them, so what a hostile or broken shim puts
 * elsewhere (a value sent as a JSON object, a field no capture has, a secret under a name the mask
 * never reads) is never kept.
 */
final class CapturedScopes {
  /** Deeper than any capture goes (the shim's depth is a few levels); deeper is cut. */
  static final int MAX_DEPTH = 16;

  private final SnapshotRedaction redaction;

  CapturedScopes(SnapshotRedaction redaction) {
    this.redaction = redaction;
  }

  /** The scopes as kept: rebuilt, then masked; {@code scopes} itself is not changed. */
  ArrayNode keep(JsonNode scopes) {
    ArrayNode kept = Json.MAPPER.createArrayNode();
    for (JsonNode scope : scopes) {
      if (!scope.isObject()) {
        continue;
      }
      ObjectNode copy = kept.addObject();
      copy.put("frame", scope.path("frame").asInt());
      copy.put("type", text(scope.path("type")));
      if (scope.path("name").isTextual()) {
        copy.put("name", scope.path("name").asText());
      }
      copy.set("variables", variables(scope.path("variables"), 0));
    }
    redaction.mask(kept);
    return kept;
  }

  private ArrayNode variables(JsonNode variables, int depth) {
    ArrayNode kept = Json.MAPPER.createArrayNode();
    for (JsonNode variable : variables) {
      if (!variable.isObject() || !variable.path("name").isValueNode()) {
        continue; // nothing to show it by, nothing to mask it by
      }
      ObjectNode copy = kept.addObject().put("name", variable.path("name").asText());
      if (variable.has("type")) {
        copy.put("type", text(variable.path("type")));
      }
      JsonNode value = variable.path("value");
      boolean cut = variable.path("cut").asBoolean(false);
      if (value.isValueNode() && !value.isNull()) {
        copy.put("value", value.asText());
      } else if (!value.isMissingNode() && !value.isNull()) {
        cut = true; // a container where text belongs: not shown, said so
      }
      if (variable.path("redacted").asBoolean(false)) {
        copy.put("redacted", true);
      }
      JsonNode children = variable.path("children");
      if (children.isArray()) {
        if (depth + 1 < MAX_DEPTH) {
          copy.set("children", variables(children, depth + 1));
        } else {
          cut = true;
        }
      }
      if (cut) {
        copy.put("cut", true);
      }
    }
    return kept;
  }

  private static String text(JsonNode node) {
    return node.isValueNode() && !node.isNull() ? node.asText() : "";
  }
}
