package dev.tether.relay.connect;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The targets the local endpoint offers, one per live instance, listed as Node's inspector lists
 * its own. Each instance gets a random id for as long as it is live, like Node's target UUIDs:
 * only a client that could read {@code /json/list} knows the WebSocket path.
 */
final class LocalTargets {
  /** One listed target: the id in its WebSocket path and the instance it opens sessions on. */
  record Target(String id, String instance, String runtime) {}

  private final String function;
  private final Map<String, Target> byInstance = new LinkedHashMap<>();

  LocalTargets(String function) {
    this.function = function;
  }

  /** Replaces the list with what the relay reports as live now; returns it. */
  synchronized List<Target> update(List<RelayClient.LiveInstance> live) {
    Map<String, Target> next = new LinkedHashMap<>();
    for (RelayClient.LiveInstance instance : live) {
      Target known = byInstance.get(instance.id());
      next.put(instance.id(), known != null ? known
          : new Target(UUID.randomUUID().toString(), instance.id(), instance.runtime()));
    }
    byInstance.clear();
    byInstance.putAll(next);
    return List.copyOf(next.values());
  }

  synchronized Optional<Target> find(String id) {
    return byInstance.values().stream().filter(t -> t.id().equals(id)).findFirst();
  }

  /**
   * Node's {@code /json/list} entries; {@code hostPort} is the request's (checked) Host, as Node
   * uses it, so a client that asked localhost gets localhost URLs.
   */
  List<Map<String, String>> describe(List<Target> targets, String hostPort) {
    List<Map<String, String>> list = new ArrayList<>();
    for (Target target : targets) {
      String ws = hostPort + "/" + target.id();
      Map<String, String> entry = new LinkedHashMap<>();
      entry.put("description", "Tether: " + function + " instance " + target.instance()
          + (target.runtime().isEmpty() ? "" : " (" + target.runtime() + ")"));
      entry.put("devtoolsFrontendUrl",
          "devtools://devtools/bundled/js_app.html?experiments=true&v8only=true&ws=" + ws);
      entry.put("devtoolsFrontendUrlCompat",
          "devtools://devtools/bundled/inspector.html?experiments=true&v8only=true&ws=" + ws);
      entry.put("faviconUrl", "https://nodejs.org/static/images/favicons/favicon.ico");
      entry.put("id", target.id());
      entry.put("title", function + "/" + target.instance());
      entry.put("type", "node");
      entry.put("url", "tether://" + function + "/" + target.instance());
      entry.put("webSocketDebuggerUrl", "ws://" + ws);
      list.add(entry);
    }
    return list;
  }
}
