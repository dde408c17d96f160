package dev.tether.shim.tunnel;

import dev.tether.protocol.Tunnel;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;

/**
 * Where and as whom the tunnel dials: the relay's agent URL ({@code ws://} or {@code wss://},
 * path ending in {@code /agent}), the agent token, and this instance's identity.
 */
public record TunnelConfig(
    URI relay,
    String token,
    String function,
    String instance,
    String shimVersion,
    Backoff backoff,
    Duration handshakeTimeout) {

  public TunnelConfig {
    if (relay == null || relay.getHost() == null) {
      throw new IllegalArgumentException("the relay URL needs a host");
    }
    String scheme = relay.getScheme() == null ? "" : relay.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("ws") && !scheme.equals("wss")) {
      throw new IllegalArgumentException("the tunnel dials ws:// or wss://, not " + relay);
    }
    if (relay.getPath() == null || !relay.getPath().endsWith(Tunnel.AGENT_PATH)) {
      throw new IllegalArgumentException("the tunnel URL must end in " + Tunnel.AGENT_PATH);
    }
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("an agent token is required");
    }
    if (function == null || function.isBlank() || instance == null || instance.isBlank()) {
      throw new IllegalArgumentException("function and instance are required");
    }
    shimVersion = shimVersion == null ? "unknown" : shimVersion;
    backoff = backoff == null ? Backoff.DEFAULT : backoff;
    handshakeTimeout = handshakeTimeout == null ? Duration.ofSeconds(10) : handshakeTimeout;
  }

  public boolean secure() {
    return relay.getScheme().equalsIgnoreCase("wss");
  }

  public int port() {
    return relay.getPort() != -1 ? relay.getPort() : secure() ? 443 : 80;
  }

  /** Never prints the token. */
  @Override
  public String toString() {
    return "TunnelConfig[relay=" + relay + ", function=" + function + ", instance=" + instance + "]";
  }
}
