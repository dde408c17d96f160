package dev.tether.relay.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the {@code "limits"} object of a relay config file, e.g. {@code {"sessionsPerUser": 3,
 * "messagesPerSecond": 100, "pauseResume": "never"}}; what it leaves out keeps its default.
 */
public final class LimitsFile {
  private static final Set<String> KNOWN =
      Set.of("sessionsPerUser", "sessionsPerInstance", "maxTargetMessageSize",
          "messagesPerSecond", "messageBurst", "handshakeTimeout", "pauseWarning", "pauseResume",
          "slowConsumerTimeout", "readOnlyEvalTimeout", "readOnlyMaxCommandSize");

  private LimitsFile() {}

  public static Limits read(JsonNode node) {
    if (!node.isObject()) {
      throw new IllegalArgumentException(
          "limits must be an object like {\"sessionsPerUser\": 5, \"messagesPerSecond\": 200}");
    }
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      if (!KNOWN.contains(field.getKey())) {
        throw new IllegalArgumentException("unknown setting 'limits." + field.getKey()
            + "'; the known ones are " + new TreeSet<>(KNOWN));
      }
    }
    return new Limits(
        integer(node, "sessionsPerUser"),
        integer(node, "sessionsPerInstance"),
        size(node, "maxTargetMessageSize"),
        integer(node, "messagesPerSecond"),
        integer(node, "messageBurst"),
        duration(node, "handshakeTimeout"),
        duration(node, "pauseWarning"),
        duration(node, "pauseResume"),
        duration(node, "slowConsumerTimeout"),
        duration(node, "readOnlyEvalTimeout"),
        size(node, "readOnlyMaxCommandSize"));
  }

  private static int integer(JsonNode node, String name) {
    JsonNode value = node.get(name);
    if (value == null) {
      return 0;
    }
    if (!value.canConvertToInt() || value.asInt() <= 0) {
      throw new IllegalArgumentException("limits." + name + " must be a positive whole number,"
          + " was " + value);
    }
    return value.asInt();
  }

  private static long size(JsonNode node, String name) {
    JsonNode value = node.get(name);
    if (value == null) {
      return 0;
    }
    try {
      return value.isIntegralNumber() ? value.asLong() : RelayConfigFile.parseSize(value.asText());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("limits." + name + ": " + e.getMessage());
    }
  }

  private static Duration duration(JsonNode node, String name) {
    JsonNode value = node.get(name);
    if (value == null) {
      return null;
    }
    if (name.equals("pauseResume") && value.asText().equals("never")) {
      return Duration.ZERO;
    }
    try {
      return Durations.parse(value.asText());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("limits." + name + ": " + e.getMessage());
    }
  }
}
