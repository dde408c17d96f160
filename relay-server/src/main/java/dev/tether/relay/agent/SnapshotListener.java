package dev.tether.relay.agent;

import dev.tether.protocol.TunnelMessage;

/**
 * Hears what snapshot points need from the tunnels: an instance was welcomed (so it gets the
 * function's points), and the snapshot messages its shim sent (hits, disabled points, script
 * lists). Called on the tunnel's thread; must be quick.
 */
public interface SnapshotListener {
  SnapshotListener NONE = new SnapshotListener() {
    @Override
    public void welcomed(AgentTunnel tunnel) {}

    @Override
    public void message(AgentTunnel tunnel, TunnelMessage message) {}
  };

  void welcomed(AgentTunnel tunnel);

  void message(AgentTunnel tunnel, TunnelMessage message);
}
