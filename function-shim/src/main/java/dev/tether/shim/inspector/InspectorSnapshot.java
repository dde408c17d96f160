package dev.tether.shim.inspector;

import dev.tether.protocol.Target;
import java.util.ArrayList;
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
    List<Target> visible = new ArrayList<>(targets.size());
    for (InspectorTarget t : targets) {
      visible.add(t.target());
    }
    return List.copyOf(visible);
  }

  public Optional<InspectorTarget> target(String id) {
    for (InspectorTarget t : targets) {
      if (t.id().equals(id)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }
}
