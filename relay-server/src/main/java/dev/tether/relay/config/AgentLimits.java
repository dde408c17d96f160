package dev.tether.relay.config;


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

  public AgentLimits {
    maxInstancesPerFunction = Bounds.positive("agents.maxInstancesPerFunction",
        maxInstancesPerFunction, DEFAULT_MAX_INSTANCES_PER_FUNCTION, 1_000_000);
    maxRuntimeLength = Bounds.positive("agents.maxRuntimeLength", maxRuntimeLength,
        DEFAULT_MAX_RUNTIME_LENGTH, 4096);
    maxShimVersionLength = Bounds.positive("agents.maxShimVersionLength", maxShimVersionLength,
        DEFAULT_MAX_SHIM_VERSION_LENGTH, 4096);
    maxTargets = Bounds.positive("agents.maxTargets", maxTargets, DEFAULT_MAX_TARGETS, 10_000);
    maxTargetFieldLength = Bounds.positive("agents.maxTargetFieldLength", maxTargetFieldLength,
        DEFAULT_MAX_TARGET_FIELD_LENGTH, 16 * 1024);
    maxStreamPositions = Bounds.positive("agents.maxStreamPositions", maxStreamPositions,
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
}
