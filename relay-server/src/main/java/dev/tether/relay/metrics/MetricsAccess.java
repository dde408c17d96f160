package dev.tether.relay.metrics;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.function.Function;

/**
 * Who may read {@code /metrics}. Without a configured token only loopback callers may, and only
 * when no proxy header says the request came from elsewhere (a reverse proxy on the same host
 * would otherwise make every visitor look local). With a token every caller must present it as
 * a bearer, wherever it connects from.
 */
public final class MetricsAccess {
  private static final String[] PROXY_HEADERS = {"Forwarded", "X-Forwarded-For", "X-Real-IP"};

  /** Why a caller was turned away, with the HTTP status it gets. */
  public record Denied(int status, String code, String message) {}

  private final Optional<byte[]> token;

  public MetricsAccess(Optional<String> token) {
    this.token = token.map(t -> t.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Empty when the caller may read; {@code header} looks up a request header by name.
   */
  public Optional<Denied> check(String remoteAddress, Function<String, String> header) {
    if (token.isPresent()) {
      String authorization = header.apply("Authorization");
      String presented = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
          ? authorization.substring(7).trim() : "";
      if (!MessageDigest.isEqual(token.get(), presented.getBytes(StandardCharsets.UTF_8))) {
        return Optional.of(new Denied(401, "metrics_token_required",
            "send the relay's metricsToken as 'Authorization: Bearer <token>' to read /metrics"));
      }
      return Optional.empty();
    }
    for (String name : PROXY_HEADERS) {
      if (header.apply(name) != null) {
        return Optional.of(forbidden("this request came through a proxy"));
      }
    }
    if (!isLoopback(remoteAddress)) {
      return Optional.of(forbidden("this request came from " + remoteAddress));
    }
    return Optional.empty();
  }

  private static Denied forbidden(String why) {
    return new Denied(403, "metrics_loopback_only",
        "/metrics answers loopback callers only and " + why + "; scrape it from the relay's host,"
            + " or set metricsToken in the relay's config to scrape with a bearer token");
  }

  private static boolean isLoopback(String address) {
    if (address == null || address.isEmpty() || !address.matches("[0-9A-Fa-f:.\\[\\]%a-z]+")) {
      return false;
    }
    try { // an IP literal: no name lookup happens
      return InetAddress.getByName(address.replace("[", "").replace("]", "")).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
