package dev.tether.relay.connect;

import dev.tether.relay.http.ApiError;
import dev.tether.relay.http.Json;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Node's DNS-rebinding defence, in front of every request of the local endpoint: the Host must be
 * {@code localhost} or an IP literal. A page on evil.example whose name was rebound to 127.0.0.1
 * sends {@code Host: evil.example} and is refused before it can list targets or open a socket;
 * the user's token stays out of that page's reach.
 */
final class HostGuard extends Handler.Wrapper {
  private static final Pattern IPV4 =
      Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
  private static final Pattern PORT = Pattern.compile("\\d{1,5}");

  HostGuard(Handler next) {
    super(next);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    String host = request.getHeaders().get(HttpHeader.HOST);
    if (!allowed(host)) {
      Json.error(response, callback, ApiError.forbidden("host_not_allowed",
          "tether connect answers only requests for localhost or an IP address (Host was "
              + (host == null ? "missing" : "'" + host + "'") + "); connect to localhost:PORT or"
              + " 127.0.0.1:PORT, as for node --inspect"));
      return true;
    }
    return super.handle(request, response, callback);
  }

  /** True for {@code localhost}, an IPv4 literal or a bracketed IPv6 literal, with an optional port. */
  static boolean allowed(String hostHeader) {
    if (hostHeader == null || hostHeader.isBlank()) {
      return false;
    }
    String host = hostHeader.strip();
    if (host.startsWith("[")) {
      int end = host.indexOf(']');
      if (end < 0 || !portOrNothing(host.substring(end + 1))) {
        return false;
      }
      return ipv6(host.substring(1, end));
    }
    int colon = host.lastIndexOf(':');
    if (colon >= 0) {
      if (!portOrNothing(host.substring(colon))) {
        return false;
      }
      host = host.substring(0, colon);
    }
    return host.toLowerCase(Locale.ROOT).equals("localhost") || IPV4.matcher(host).matches();
  }

  private static boolean portOrNothing(String rest) {
    return rest.isEmpty() || (rest.startsWith(":") && PORT.matcher(rest.substring(1)).matches());
  }

  /** A literal only: with a colon in it, InetAddress parses and never resolves a name. */
  private static boolean ipv6(String literal) {
    if (!literal.contains(":") || !literal.matches("[0-9A-Fa-f:.]+")) {
      return false;
    }
    try {
      return InetAddress.getByName(literal) != null;
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
