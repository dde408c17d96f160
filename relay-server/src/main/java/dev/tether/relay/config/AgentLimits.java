package dev.tether.relay.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * How much one agent token may register, validated and defaulted here: an agent token lets a
 * process register instances of its function, so the relay bounds how many and how big their
 * hellos may be. Zero or negative components take their default.
 *
 * @param maxInstancesPerFunction live instances (including those within their resume grace) one
 *     function may have; the next hello is refused with 1008
 * @param maxRuntimeLength characters of a hello's {@code runtime} (e.g. {@code node v20.11.1})
 * @param maxShimVersionLength characters of a hello's {@code shimVersion}
 * @param maxTargets inspector targets a hello or target update may list
 * @param maxTargetFieldLength characters of each target's id, type, title and url
 * @param maxStreamPositions stream positions a resuming hello may list
 */
public record AgentLimits(
    int maxInstancesPerFunction,
    int maxRuntimeLength,
    int maxShimVersionLength,
    int maxTargets,
    int maxTargetFieldLength,
    int maxStreamPositions) {

  public static final int DEFAULT_MAX_INSTANCES_PER_FUNCTION = 1000;
  public static final int DEFAULT_MAX_RUNTIME_LENGTH = 128;
  public static final int DEFAULT_MAX_SHIM_VERSION_LENGTH = 64;
  public static final int DEFAULT_MAX_TARGETS = 32;
  public static final int DEFAULT_MAX_TARGET_FIELD_LENGTH = 1024;
  public static final int DEFAULT_MAX_STREAM_POSITIONS = 256;

  private static final Set<String> KNOWN =
      Set.of("maxInstancesPerFunction", "maxRuntimeLength", "maxShimVersionLength", "maxTargets",
          "maxTargetFieldLength", "maxStreamPositions");

  public AgentLimits {
    maxInstancesPerFunction = within("maxInstancesPerFunction", maxInstancesPerFunction,
        DEFAULT_MAX_INSTANCES_PER_FUNCTION, 1_000_000);
    maxRuntimeLength =
        within("maxRuntimeLength", maxRuntimeLength, DEFAULT_MAX_RUNTIME_LENGTH, 4096);
    maxShimVersionLength = within("maxShimVersionLength", maxShimVersionLength,
        DEFAULT_MAX_SHIM_VERSION_LENGTH, 4096);
    maxTargets = within("maxTargets", maxTargets, DEFAULT_MAX_TARGETS, 10_000);
    maxTargetFieldLength = within("maxTargetFieldLength", maxTargetFieldLength,
        DEFAULT_MAX_TARGET_FIELD_LENGTH, 16 * 1024);
    maxStreamPositions = within("maxStreamPositions", maxStreamPositions,
        DEFAULT_MAX_STREAM_POSITIONS, 100_000);
  }

  /** Every default. */
  public static AgentLimits defaults() {
    return new AgentLimits(0, 0, 0, 0, 0, 0);
  }

  /** The same limits with another instance bound. */
  public AgentLimits withMaxInstancesPerFunction(int max) {
    return new AgentLimits(max, maxRuntimeLength, maxShimVersionLength, maxTargets,
        maxTargetFieldLength, maxStreamPositions);
  }

  /**
   * Reads the {@code "agents"} object of a relay config file, e.g. {@code
   * {"maxInstancesPerFunction": 200}}; what it leaves out keeps its default.
   */
  public static AgentLimits fromJson(JsonNode node) {
    if (!node.isObject()) {
      throw new IllegalArgumentException(
          "agents must be an object like {\"maxInstancesPerFunction\": 1000}");
    }
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      if (!KNOWN.contains(field.getKey())) {
        throw new IllegalArgumentException("unknown setting 'agents." + field.getKey()
            + "'; the known ones are " + new TreeSet<>(KNOWN));
      }
    }
    return new AgentLimits(
        number(node, "maxInstancesPerFunction"), number(node, "maxRuntimeLength"),
        number(node, "maxShimVersionLength"), number(node, "maxTargets"),
        number(node, "maxTargetFieldLength"), number(node, "maxStreamPositions"));
  }

  private static int number(JsonNode node, String name) {
    JsonNode value = node.get(name);
    if (value == null) {
      return 0;
    }
    if (!value.canConvertToInt() || value.asInt() <= 0) {
      throw new IllegalArgumentException(
          "agents." + name + " must be a positive whole number, was " + value);
    }
    return value.asInt();
  }

  private static int within(String name, int value, int fallback, int max) {
    int v = value <= 0 ? fallback : value;
    if (v > max) {
      throw new IllegalArgumentException(
          "agents." + name + " must be between 1 and " + max + ", was " + v);
    }
    return v;
  }
}
