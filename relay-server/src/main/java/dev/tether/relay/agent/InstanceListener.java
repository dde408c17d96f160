package dev.tether.relay.agent;

/** Hears instances come and go for good (a function session offers them as targets). */
public interface InstanceListener {
  /**
   * A new instance registered; called while the registry holds its lock and before the shim is
   * welcomed, so it must be quick and must not call back into the registry.
   */
  void added(AgentTunnel tunnel);

  /** An instance is gone for good (its tunnel closed, or its resume grace passed). */
  void removed(Instance instance);
}
