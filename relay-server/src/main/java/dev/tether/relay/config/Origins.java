package dev.tether.relay.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;

/**
 * The one rule by which the relay writes a web origin, used for the configured ones and for every
 * {@code Origin} header it checks: lower-case scheme and host, no default port ({@code :443} for
 * https, {@code :80} for http), no trailing slash. So {@code https://Console.example.com:443/}
 * in the config file matches the {@code https://console.example.com} a browser sends.
 */
public final class Origins {
  private Origins() {}

  /**
   * A configured origin in its normal form; fails unless it is an http: or https: origin
   * (scheme, host, optional port; a trailing slash is tolerated, a path is not).
   */
  public static String normalise(String origin) {
    URI uri = parse(origin == null ? "" : origin.strip());
    String scheme = uri == null || uri.getScheme() == null
        ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    String path = uri == null ? null : uri.getRawPath();
    if (!(scheme.equals("http") || scheme.equals("https"))
        || uri.getHost() == null
        || uri.getRawUserInfo() != null
        || !(path == null || path.isEmpty() || path.equals("/"))
        || uri.getRawQuery() != null
        || uri.getRawFragment() != null) {
      throw new IllegalArgumentException("'" + origin + "' must be an origin like"
          + " https://console.example.com (scheme, host, optional port; no path)");
    }
    return write(scheme, uri.getHost(), uri.getPort());
  }

  /** The origin of an http: or https: URL, whatever its path. */
  public static String of(URI url) {
    return write(url.getScheme().toLowerCase(Locale.ROOT), url.getHost(), url.getPort());
  }

  /**
   * An {@code Origin} header in the normal form, or empty when it names no origin (absent,
   * {@code null} from an opaque origin, unreadable, or with more than scheme, host and port). Schemes other than http: and https:
   * (Chrome's {@code devtools://devtools}) keep their port as written.
   */
  public static Optional<String> ofHeader(String header) {
    URI uri = header == null ? null : parse(header.strip());
    if (uri == null || uri.getScheme() == null || uri.getHost() == null
        || uri.getRawUserInfo() != null || !uri.getRawPath().isEmpty()
        || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      return Optional.empty();
    }
    return Optional.of(write(uri.getScheme().toLowerCase(Locale.ROOT), uri.getHost(),
        uri.getPort()));
  }

  private static String write(String scheme, String host, int port) {
    boolean defaultPort = port == -1
        || (scheme.equals("http") && port == 80)
        || (scheme.equals("https") && port == 443);
    return scheme + "://" + host.toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
  }

  private static URI parse(String text) {
    try {
      return new URI(text);
    } catch (URISyntaxException e) {
      return null;
    }
  }
}
