package dev.tether.shim.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.protocol.CapturedFrame;
import dev.tether.protocol.SnapshotRedaction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Reads what a paused function holds, within bounds, in one round of pipelined {@code
 * Runtime.getProperties}: the local, block, catch and closure scopes of the top frames, and one
 * level into the top frame's objects through the previews V8 builds with the same reply (at most
 * 5 properties or 100 items each; a longer object is marked cut). Every request is written before
 * {@link #of} returns, so the caller can pipeline {@code Debugger.resume} right behind them: V8
 * answers them in order before it resumes, and the function's pause is one round trip. Strings,
 * lists and the whole capture are bounded; whatever was left out sets {@code cut} (and {@code
 * cut: true} on the variable). Denied names are masked before anything leaves this class, at
 * either level.
 */
final class Capture {
  static final int MAX_STACK = 20;
  static final int SCOPED_FRAMES = 3;
  static final int MAX_VARIABLES = 40;
  static final int MAX_CHILDREN = 20;
  static final int MAX_EXPANDED = 20;
  static final int MAX_STRING = 200;
  /** Room left for the envelope under the tunnel's 64 KiB control message. */
  static final int MAX_SCOPES_BYTES = 40 * 1024;
  private static final Set<String> SCOPE_TYPES = Set.of("local", "block", "catch", "closure");

  /** A finished capture. */
  record Result(List<CapturedFrame> stack, ArrayNode scopes, boolean cut) {}

  private final CdpSession session;
  private final SnapshotRedaction redaction;
  private final ArrayNode scopes = CdpSession.JSON.createArrayNode();
  private int expanded;
  private boolean cut;

  private Capture(CdpSession session, SnapshotRedaction redaction) {
    this.session = session;
    this.redaction = redaction;
  }

  /**
   * Captures the paused {@code callFrames}; completes on the event loop. All its requests are
   * written when this returns: nothing it needs is asked after a resume sent next.
   */
  static CompletableFuture<Result> of(CdpSession session, SnapshotRedaction redaction,
      JsonNode callFrames, Map<String, String> scriptUrls) {
    return new Capture(session, redaction).run(callFrames, scriptUrls);
  }

  static List<CapturedFrame> stack(JsonNode callFrames, Map<String, String> scriptUrls) {
    List<CapturedFrame> stack = new ArrayList<>();
    for (JsonNode frame : callFrames) {
      if (stack.size() == MAX_STACK) {
        break;
      }
      stack.add(new CapturedFrame(frame.path("functionName").asText(""),
          scriptUrls.getOrDefault(frame.at("/location/scriptId").asText(),
              frame.path("url").asText("")), frame.at("/location/lineNumber").asInt() + 1,
          frame.at("/location/columnNumber").asInt() + 1));
    }
    return stack;
  }

  private CompletableFuture<Result> run(JsonNode callFrames, Map<String, String> urls) {
    List<CompletableFuture<Void>> round = new ArrayList<>();
    int frameIndex = 0;
    for (JsonNode frame : callFrames) {
      if (frameIndex == SCOPED_FRAMES) {
        break;
      }
      // Node's own frames (timers, the module loader) say nothing about the function and cost
      // the pause most: their scopes are skipped, as are the closures of every frame but the top.
      String url = urls.getOrDefault(frame.at("/location/scriptId").asText(), "");
      boolean own = !url.isEmpty() && !url.startsWith("node:");
      for (JsonNode scope : frame.path("scopeChain")) {
        String type = scope.path("type").asText();
        String objectId = scope.at("/object/objectId").asText("");
        boolean wanted = frameIndex == 0 ? SCOPE_TYPES.contains(type)
            : own && !"closure".equals(type) && SCOPE_TYPES.contains(type);
        if (!wanted || objectId.isEmpty()) {
          continue;
        }
        ObjectNode captured = scopes.addObject().put("frame", frameIndex).put("type", type);
        if (scope.hasNonNull("name")) {
          captured.put("name", scope.path("name").asText());
        }
        ArrayNode variables = captured.putArray("variables");
        boolean expand = frameIndex == 0 && !"closure".equals(type);
        round.add(properties(objectId, expand)
            .thenAccept(list -> fill(variables, list, MAX_VARIABLES, expand)));
      }
      frameIndex++;
    }
    if (callFrames.size() > MAX_STACK) {
      cut = true;
    }
    return CompletableFuture.allOf(round.toArray(CompletableFuture[]::new))
        .thenApply(done -> new Result(stack(callFrames, urls), fit(), cut));
  }

  private CompletableFuture<JsonNode> properties(String objectId, boolean previews) {
    ObjectNode params = CdpSession.params().put("objectId", objectId).put("ownProperties", true)
        .put("generatePreview", previews);
    // Filled in later: V8 has the resume behind this request, so the function runs meanwhile.
    return session.send("Runtime.getProperties", params).thenApplyAsync(r -> r.path("result"),
        session.later());
  }

  private void fill(ArrayNode into, JsonNode properties, int max, boolean expandObjects) {
    for (JsonNode property : properties) {
      if (into.size() == max) {
        cut = true;
        break;
      }
      String name = property.path("name").asText();
      ObjectNode variable = into.addObject().put("name", name);
      JsonNode value = property.path("value");
      if (redaction.denies(name)) {
        variable.put("type", value.path("type").asText("accessor"));
        variable.put("value", SnapshotRedaction.MASK).put("redacted", true);
        continue;
      }
      if (value.isMissingNode()) {
        variable.put("type", "accessor").put("value", "(getter)");
        continue;
      }
      describe(variable, value);
      String objectId = value.path("objectId").asText("");
      boolean expandable = "object".equals(value.path("type").asText())
          && !"null".equals(value.path("subtype").asText()) && !objectId.isEmpty();
      if (expandable && expandObjects) {
        if (expanded < MAX_EXPANDED && value.has("preview")) {
          expanded++;
          children(variable, value.path("preview"));
        } else {
          variable.put("cut", true);
          cut = true;
        }
      } else if (expandable) {
        variable.put("cut", true); // deeper than the capture goes: its description only
      }
    }
  }

  /** One level into an object from V8's preview of it; its own objects by description only. */
  private void children(ObjectNode variable, JsonNode preview) {
    ArrayNode children = variable.putArray("children");
    if (preview.path("overflow").asBoolean()) {
      variable.put("cut", true);
      cut = true;
    }
    for (JsonNode property : preview.path("properties")) {
      if (children.size() == MAX_CHILDREN) {
        variable.put("cut", true);
        cut = true;
        break;
      }
      String name = property.path("name").asText();
      String type = property.path("type").asText("undefined");
      ObjectNode child = children.addObject().put("name", name);
      if (redaction.denies(name)) {
        child.put("type", type).put("value", SnapshotRedaction.MASK).put("redacted", true);
        continue;
      }
      String subtype = property.path("subtype").asText("");
      child.put("type", subtype.isEmpty() ? type : subtype);
      String text = switch (type) {
        case "accessor" -> "(getter)";
        case "function" -> "ƒ";
        default -> property.path("value").asText(type);
      };
      if (text.length() > MAX_STRING) {
        text = text.substring(0, MAX_STRING);
        child.put("cut", true);
        cut = true;
      }
      child.put("value", text);
      if ("object".equals(type) && !"null".equals(subtype)) {
        child.put("cut", true); // deeper than the capture goes: its description only
      }
    }
  }

  private void describe(ObjectNode variable, JsonNode value) {
    String type = value.path("type").asText("undefined");
    String subtype = value.path("subtype").asText("");
    variable.put("type", subtype.isEmpty() ? type : subtype);
    String text = switch (type) {
      case "undefined" -> "undefined";
      case "string" -> value.path("value").asText();
      case "number", "boolean", "bigint" -> value.has("unserializableValue")
          ? value.path("unserializableValue").asText() : value.path("value").asText();
      case "function" -> "ƒ " + firstLine(value.path("description").asText(""));
      default -> "null".equals(subtype) ? "null" : value.path("description").asText(type);
    };
    if (text.length() > MAX_STRING) {
      text = text.substring(0, MAX_STRING);
      variable.put("cut", true);
      cut = true;
    }
    variable.put("value", text);
  }

  private static String firstLine(String source) {
    int end = source.indexOf('{');
    String head = (end < 0 ? source : source.substring(0, end)).trim();
    int newline = head.indexOf('\n');
    return newline < 0 ? head : head.substring(0, newline);
  }

  /** The scopes, trimmed until they fit the tunnel: children first, then other frames, then tails. */
  private ArrayNode fit() {
    if (size() <= MAX_SCOPES_BYTES) {
      return scopes;
    }
    cut = true;
    scopes.forEach(scope -> scope.path("variables").forEach(v -> {
      if (v instanceof ObjectNode object && object.remove("children") != null) {
        object.put("cut", true);
      }
    }));
    for (int i = scopes.size() - 1; i >= 0 && size() > MAX_SCOPES_BYTES; i--) {
      if (scopes.get(i).path("frame").asInt() > 0) {
        scopes.remove(i);
      }
    }
    while (size() > MAX_SCOPES_BYTES) {
      ArrayNode longest = null;
      for (JsonNode scope : scopes) {
        ArrayNode variables = (ArrayNode) scope.path("variables");
        if (longest == null || variables.size() > longest.size()) {
          longest = variables;
        }
      }
      if (longest == null || longest.isEmpty()) {
        break;
      }
      longest.remove(longest.size() - 1);
    }
    return scopes;
  }

  private int size() {
    return scopes.toString().getBytes(StandardCharsets.UTF_8).length;
  }
}
