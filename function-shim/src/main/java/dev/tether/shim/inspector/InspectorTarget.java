package dev.tether.shim.inspector;

import dev.tether.protocol.Target;
import java.net.URI;

/**
 * One inspector target as the shim knows it: what the relay may see ({@link Target}) and the
 * private WebSocket URL that never leaves the shim.
 */
public record InspectorTarget(Target target, URI webSocketUrl) {
  public InspectorTarget {
    if (target == null || webSocketUrl == null) {
      throw new IllegalArgumentException("target and webSocketUrl are required");
    }
  }

  public String id() {
    return target.id();
  }
}
