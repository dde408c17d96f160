package dev.tether.shim.inspector;

import dev.tether.protocol.Target;
import java.util.List;
import java.util.Optional;

/** What an inspector said about itself at one moment: its runtime and its targets. */
public record InspectorSnapshot(String runtime, List<InspectorTarget> targets) {
  public InspectorSnapshot {
    runtime = runtime == null || runtime.isBlank() ? "node" : runtime;
    targets = List.copyOf(targets);
  }

  /** The targets as the relay may see them, without their WebSocket URLs. */
  public List<Target> publicTargets() {
    return targets.stream().map(InspectorTarget::target).toList();
  }

  public Optional<InspectorTarget> target(String id) {
    return targets.stream().filter(t -> t.id().equals(id)).findFirst();
  }
}
