package dev.tether.relay.cdp;

/**
 * The parameters the browser side of CDP's {@code Target} domain routes by, as the one strict
 * reading of a message found them (each null when absent or not of its type). {@code message} is
 * the whole command a {@code Target.sendMessageToTarget} carries, never cut.
 */
public record TargetParams(
    String targetId, String sessionId, Boolean flatten, Boolean discover, String message) {
  static final TargetParams NONE = new TargetParams(null, null, null, null, null);
}
