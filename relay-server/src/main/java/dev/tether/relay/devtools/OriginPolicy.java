package dev.tether.relay.devtools;

import dev.tether.relay.config.Origins;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
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
    allowed.add(Origins.of(publicUrl));
    allowed.add(CHROME_DEVTOOLS);
    allowed.addAll(consoleOrigins);
  }

  /** True when a request with this Origin header (null when absent) may connect. */
  public boolean allows(String origin) {
    return origin == null || Origins.ofHeader(origin).map(allowed::contains).orElse(false);
  }
}
