package dev.tether.shim.inspector;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * One GET to a Node.js inspector's loopback HTTP endpoint ({@code /json/version}, {@code
 * /json/list}), on a plain socket. It replaces the JDK's HTTP client, whose 150 classes and
 * selector thread cost a 128 MB function more than the two small answers are worth.
 */
final class InspectorHttp {
  /** Node's answers are a few kB; more than this is not an inspector. */
  static final int MAX_BYTES = 1 << 20;

  private InspectorHttp() {}

  /** The body of a 200 answer to {@code GET path}; fails on anything else. */
  static String get(String host, int port, String path, Duration timeout) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
      socket.setSoTimeout((int) timeout.toMillis());
      socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port
          + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      String head = head(in);
      String status = head.substring(0, head.indexOf("\r\n") < 0 ? head.length() : head.indexOf("\r\n"));
      if (!status.matches("HTTP/1\\.[01] 200( .*)?")) {
        throw new IOException(path + " answered " + status);
      }
      int length = contentLength(head);
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      while (length < 0 || body.size() < length) {
        int n = in.read(buffer, 0, length < 0 ? buffer.length
            : Math.min(buffer.length, length - body.size()));
        if (n < 0) {
          if (length >= 0) {
            throw new IOException(path + ": the answer ended early");
          }
          break;
        }
        body.write(buffer, 0, n);
        if (body.size() > MAX_BYTES) {
          throw new IOException(path + ": the answer is larger than " + MAX_BYTES + " bytes");
        }
      }
      return body.toString(StandardCharsets.UTF_8);
    }
  }

  /** The status line and headers, up to the blank line. */
  private static String head(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("the inspector closed the connection before answering");
      }
      head.write(b);
      matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
      if (head.size() > 16384) {
        throw new IOException("the inspector's answer has no end of headers");
      }
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  private static int contentLength(String head) throws IOException {
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT)
          .equals("content-length")) {
        try {
          int length = Integer.parseInt(line.substring(colon + 1).trim());
          if (length < 0 || length > MAX_BYTES) {
            throw new IOException("the inspector announced " + length + " bytes");
          }
          return length;
        } catch (NumberFormatException e) {
          throw new IOException("the inspector sent a Content-Length that is not a number");
        }
      }
    }
    return -1;
  }
}
