package dev.tether.shim.tunnel;

import dev.tether.protocol.Tunnel;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where and as whom the tunnel dials: the relays' agent URLs ({@code ws://} or {@code wss://},
 * path ending in {@code /agent}; the first is dialled next, {@link #next()} turns to the one after
 * it), the agent token, and this instance's identity.
 */
public record TunnelConfig(
    List<URI> relays,
    String token,
    String function,
    String instance,
    String shimVersion,
    Backoff backoff,
    Duration handshakeTimeout) {

  public TunnelConfig {
    if (relays == null || relays.isEmpty()) {
      throw new IllegalArgumentException("the tunnel needs at least one relay URL");
    }
    relays = List.copyOf(relays);
    for (URI relay : relays) {
      check(relay);
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

  /** One relay URL (no list) with the defaults: what a single relay needs. */
  public TunnelConfig(URI relay, String token, String function, String instance, String shimVersion,
      Backoff backoff, Duration handshakeTimeout) {
    this(List.of(relay), token, function, instance, shimVersion, backoff, handshakeTimeout);
  }

  private static void check(URI relay) {
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
  }

  /** The relay dialled next. */
  public URI relay() {
    return relays.get(0);
  }

  /** The same with the next relay URL first (the list turned by one); itself for a single URL. */
  public TunnelConfig next() {
    if (relays.size() == 1) {
      return this;
    }
    List<URI> turned = new ArrayList<>(relays.subList(1, relays.size()));
    turned.add(relays.get(0));
    return new TunnelConfig(turned, token, function, instance, shimVersion, backoff,
        handshakeTimeout);
  }

  public boolean secure() {
    return relay().getScheme().equalsIgnoreCase("wss");
  }

  public int port() {
    return relay().getPort() != -1 ? relay().getPort() : secure() ? 443 : 80;
  }

  /** Never prints the token. */
  @Override
  public String toString() {
    return "TunnelConfig[relays=" + relays + ", function=" + function + ", instance=" + instance + "]";
  }
}
