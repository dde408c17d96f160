package dev.tether.relay.agent;

import dev.tether.protocol.TunnelMessage;

/** Hears the crash report a registered instance's shim sent as its function died. */
@FunctionalInterface
public interface CrashListener {
  CrashListener NONE = (instance, remote, crash) -> {};

  void crashed(Instance instance, String remote, TunnelMessage.Crash crash);
}
