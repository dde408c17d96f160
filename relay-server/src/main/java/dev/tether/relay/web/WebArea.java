package dev.tether.relay.web;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One part of the web module (console, admin pages, embed script, hosted DevTools) and the
 * response headers its files go out with. The CSPs are web/README.md's, checked in Chromium.
 */
record WebArea(String name, Map<String, String> headers) {
  private static final String CONSOLE_CSP = "default-src 'self'; script-src 'self'; style-src 'self';"
      + " img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none';"
      + " form-action 'self'; frame-ancestors 'none'";

  /**
   * chii's inline polyfill loader, the same in every chii HTML file; recompute it when the chii
   * version in web/package.json changes (the browser tests fail on a CSP violation).
   */
  static final String CHII_INLINE_SCRIPT = "'sha256-zx96hP1sf2xJUlR68Y1slDDnUIzWBhHUhivv7aoXzes='";

  /** The console and, later, the admin pages: no inline code, nothing cached without revalidation. */
  static WebArea console(String name) {
    return new WebArea(name, common(CONSOLE_CSP, "no-cache"));
  }

  /** chii's DevTools front end: it needs inline styles, blob workers and the relay's WebSocket. */
  static WebArea devtools(URI publicUrl) {
    String csp = "default-src 'self'; script-src 'self' " + CHII_INLINE_SCRIPT + ";"
        + " style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:;"
        + " connect-src 'self' " + webSocketOrigin(publicUrl) + "; worker-src 'self' blob:;"
        + " object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    // The files change only with the chii version; the page URL carries the ticket, so no referrer.
    return new WebArea("devtools", common(csp, "public, max-age=86400"));
  }

  /** {@code /embed/tether.js}: a classic script that other origins (even with COEP) load. */
  static WebArea embed() {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("X-Content-Type-Options", "nosniff");
    headers.put("Cross-Origin-Resource-Policy", "cross-origin");
    headers.put("Cache-Control", "no-cache");
    return new WebArea("embed", Map.copyOf(headers));
  }

  /** {@code ws://host:port} or {@code wss://host} for the relay's public URL. */
  static String webSocketOrigin(URI publicUrl) {
    boolean secure = publicUrl.getScheme().equalsIgnoreCase("https");
    return (secure ? "wss://" : "ws://") + publicUrl.getRawAuthority();
  }

  private static Map<String, String> common(String csp, String cacheControl) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Security-Policy", csp);
    headers.put("X-Content-Type-Options", "nosniff");
    headers.put("Referrer-Policy", "no-referrer");
    headers.put("Cache-Control", cacheControl);
    return Map.copyOf(headers);
  }
}
