package dev.tether.relay.devtools;

import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which web pages may open a DevTools socket: the relay's own, configured consoles, Chrome's
 * built-in DevTools, and non-browser clients that send no Origin. Any other page is a cross-site
 * WebSocket hijacking attempt riding on someone's ticket.
 */
public final class OriginPolicy {
  public static final String CHROME_DEVTOOLS = "devtools://devtools";

  private final Set<String> allowed = new HashSet<>();

  public OriginPolicy(URI publicUrl, List<String> consoleOrigins) {
    allowed.add(originOf(publicUrl));
    allowed.add(CHROME_DEVTOOLS);
    allowed.addAll(consoleOrigins);
  }

  /** True when a request with this Origin header (null when absent) may connect. */
  public boolean allows(String origin) {
    return origin == null || allowed.contains(origin.trim().toLowerCase(Locale.ROOT));
  }

  static String originOf(URI url) {
    String scheme = url.getScheme().toLowerCase(Locale.ROOT);
    int port = url.getPort();
    boolean defaultPort =
        port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
    return scheme + "://" + url.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
  }
}
