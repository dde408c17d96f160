package dev.tether.relay.connect;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;

/**
 * What {@code tether connect} serves and for whom: the relay, the function (and optionally one
 * instance), the local port on 127.0.0.1, the session mode, and the user token it acts with.
 * Validated and defaulted here; {@link #toString()} never shows the token.
 */
public record ConnectConfig(
    URI relay, String function, String instance, int port, String mode, String token,
    Duration timeout) {
  public static final int DEFAULT_PORT = 9229;
  /** Node's inspector listens on loopback only by default; so does this endpoint, always. */
  public static final String HOST = "127.0.0.1";

  public ConnectConfig {
    if (relay == null || relay.getScheme() == null || relay.getHost() == null
        || !(relay.getScheme().equalsIgnoreCase("http") || relay.getScheme().equalsIgnoreCase("https"))) {
      throw new IllegalArgumentException("the relay URL must look like https://relay.example.com"
          + " (http:// for a local relay), not " + relay);
    }
    String path = relay.getRawPath() == null ? "" : relay.getRawPath();
    relay = URI.create(relay.getScheme().toLowerCase(Locale.ROOT) + "://" + relay.getRawAuthority()
        + (path.endsWith("/") ? path.substring(0, path.length() - 1) : path));
    if (function == null || function.isBlank()) {
      throw new IllegalArgumentException("name the function to debug, e.g. --function orders");
    }
    if (instance != null && instance.isBlank()) {
      instance = null;
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("the port must be 0..65535 (0 picks a free one)");
    }
    if (mode != null && !mode.equals("full") && !mode.equals("readonly")) {
      throw new IllegalArgumentException("the mode must be full or readonly, not " + mode);
    }
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("a user token is needed: set TETHER_TOKEN (or pass"
          + " --token, which other users can see in ps)");
    }
    token = token.strip();
    timeout = timeout == null ? Duration.ofSeconds(20) : timeout;
  }

  /** The defaults: any instance, port 9229, the mode the token allows, 20 s per relay call. */
  public static ConnectConfig of(URI relay, String function, String token) {
    return new ConnectConfig(relay, function, null, DEFAULT_PORT, null, token, null);
  }

  public ConnectConfig withPort(int port) {
    return new ConnectConfig(relay, function, instance, port, mode, token, timeout);
  }

  public ConnectConfig withInstance(String instance) {
    return new ConnectConfig(relay, function, instance, port, mode, token, timeout);
  }

  public ConnectConfig withMode(String mode) {
    return new ConnectConfig(relay, function, instance, port, mode, token, timeout);
  }

  /** A URL of the relay, e.g. {@code relayUri("/api/functions")}. */
  public URI relayUri(String path) {
    return URI.create(relay + path);
  }

  @Override
  public String toString() {
    return "ConnectConfig[relay=" + relay + ", function=" + function + ", instance=" + instance
        + ", port=" + port + ", mode=" + mode + ", token=…]";
  }
}
