package dev.tether.relay.targets;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.tether.relay.agent.Instance;
import dev.tether.relay.http.Json;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The messages the browser side of CDP's {@code Target} domain sends DevTools: replies, target
 * events, and a target's own messages tagged with their session (flattened) or wrapped in {@code
 * Target.receivedMessageFromTarget}.
 */
final class TargetMessages {
  /** Chrome's code for an unknown target or session. */
  static final int NOT_FOUND = -32602;
  static final int NO_METHOD = -32601;

  private TargetMessages() {}

  /** A target's description ({@code TargetInfo}): one node target per instance. */
  static Map<String, Object> info(Instance instance, boolean attached) {
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("targetId", instance.id());
    info.put("type", "node");
    info.put("title", instance.name());
    info.put("url", instance.name());
    info.put("attached", attached);
    info.put("canAccessOpener", false);
    return info;
  }

  static String result(long id, Map<String, Object> result) {
    return json(Map.of("id", id, "result", result));
  }

  static String error(long id, int code, String message) {
    return json(Map.of("id", id, "error", Map.of("code", code, "message", message)));
  }

  /** An error for a flattened session's command: it carries the session like a reply would. */
  static String error(long id, int code, String message, String sessionId) {
    return json(Map.of("id", id, "error", Map.of("code", code, "message", message),
        "sessionId", sessionId));
  }

  static String event(String method, Map<String, Object> params) {
    return json(Map.of("method", method, "params", params));
  }

  static String targets(List<Map<String, Object>> infos) {
    return json(Map.of("targetInfos", infos));
  }

  /**
   * A target's message as DevTools gets it: {@code sessionId} spliced in after the opening brace
   * (flattened; the rest of the bytes untouched), or the whole message as the string {@code
   * message} of a {@code Target.receivedMessageFromTarget} event.
   */
  static ByteBuffer fromTarget(byte[] message, String sessionId, String targetId, boolean flatten) {
    int brace = 0;
    while (brace < message.length && message[brace] != '{') {
      brace++;
    }
    // A target message that is no object (a hostile or broken shim) has nowhere to put the
    // sessionId: it goes as the string of a receivedMessageFromTarget event, never out of bounds.
    if (!flatten || brace == message.length) {
      Map<String, Object> params = new LinkedHashMap<>();
      params.put("sessionId", sessionId);
      params.put("message", new String(message, StandardCharsets.UTF_8));
      params.put("targetId", targetId);
      return ByteBuffer.wrap(
          event("Target.receivedMessageFromTarget", params).getBytes(StandardCharsets.UTF_8));
    }
    int open = 0;
    while (open < message.length && message[open] != '{') {
      open++;
    }
    int next = open + 1;
    while (next < message.length && Character.isWhitespace(message[next])) {
      next++;
    }
    boolean empty = next < message.length && message[next] == '}';
    byte[] field = ("\"sessionId\":" + quote(sessionId) + (empty ? "" : ","))
        .getBytes(StandardCharsets.UTF_8);
    ByteBuffer out = ByteBuffer.allocate(message.length + field.length);
    out.put(message, 0, open + 1).put(field).put(message, open + 1, message.length - open - 1);
    return out.flip();
  }

  static String quote(String text) {
    return json(text);
  }

  private static String json(Object value) {
    try {
      return Json.MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("maps of strings and numbers always serialise", e);
    }
  }
}
