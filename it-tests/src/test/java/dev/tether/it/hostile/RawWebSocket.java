package dev.tether.it.hostile;

import dev.tether.testkit.socket.Closed;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A WebSocket client on a plain socket, for speaking as a misbehaving peer: frames with any flags
 * or announced length, extension offers, a receive buffer of a chosen size, and reading only when
 * the test says so.
 */
final class RawWebSocket implements AutoCloseable {
  static final int FIN = 0x80;
  static final int RSV1 = 0x40;
  static final int TEXT = 0x1;
  static final int BINARY = 0x2;
  static final int CONTINUATION = 0x0;
  static final int CLOSE = 0x8;

  private static final SecureRandom RANDOM = new SecureRandom();

  final int status;
  final Map<String, String> headers;
  private final Socket socket;
  private final OutputStream out;
  private final DataInputStream in;

  private RawWebSocket(Socket socket, int status, Map<String, String> headers, InputStream in)
      throws IOException {
    this.socket = socket;
    this.status = status;
    this.headers = headers;
    this.out = socket.getOutputStream();
    this.in = new DataInputStream(in);
  }

  /** Upgrades with these extra headers; {@code receiveBuffer} 0 keeps the system's default. */
  static RawWebSocket connect(URI ws, Map<String, String> extra, int receiveBuffer)
      throws IOException {
    Socket socket = new Socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer);
    }
    socket.connect(new InetSocketAddress(ws.getHost(), ws.getPort()), 5000);
    socket.setSoTimeout(20_000);
    byte[] key = new byte[16];
    RANDOM.nextBytes(key);
    StringBuilder request = new StringBuilder()
        .append("GET ").append(ws.getRawPath()).append(" HTTP/1.1\r\n")
        .append("Host: ").append(ws.getHost()).append(':').append(ws.getPort()).append("\r\n")
        .append("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")
        .append("Sec-WebSocket-Key: ").append(Base64.getEncoder().encodeToString(key)).append("\r\n");
    extra.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
    socket.getOutputStream().write(request.append("\r\n").toString()
        .getBytes(StandardCharsets.US_ASCII));
    InputStream in = socket.getInputStream();
    String head = readHead(in);
    String[] lines = head.split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
            lines[i].substring(colon + 1).trim());
      }
    }
    return new RawWebSocket(socket, status, headers, in);
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("the server closed before answering the upgrade");
      }
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.US_ASCII);
  }

  /** The body of a refused upgrade (by its Content-Length). */
  String body() throws IOException {
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    byte[] body = new byte[length];
    in.readFully(body);
    return new String(body, StandardCharsets.UTF_8);
  }

  /** Sends one masked frame: {@code flags} are FIN/RSV bits or'ed with the opcode. */
  void sendFrame(int flags, byte[] payload) throws IOException {
    out.write(header(flags, payload.length));
    byte[] mask = new byte[4];
    RANDOM.nextBytes(mask);
    out.write(mask);
    byte[] masked = new byte[payload.length];
    for (int i = 0; i < payload.length; i++) {
      masked[i] = (byte) (payload[i] ^ mask[i % 4]);
    }
    out.write(masked);
    out.flush();
  }

  /** Sends only a frame header announcing {@code length} bytes (and a mask), nothing after it. */
  void announce(int flags, long length) throws IOException {
    out.write(header(flags, length));
    out.write(new byte[4]);
    out.flush();
  }

  void sendText(String text) throws IOException {
    sendFrame(FIN | TEXT, text.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] header(int flags, long length) {
    ByteArrayOutputStream header = new ByteArrayOutputStream();
    header.write(flags);
    if (length < 126) {
      header.write(0x80 | (int) length);
    } else if (length <= 0xFFFF) {
      header.write(0x80 | 126);
      header.write((int) (length >> 8));
      header.write((int) length);
    } else {
      header.write(0x80 | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        header.write((int) (length >> shift));
      }
    }
    return header.toByteArray();
  }

  /** One frame from the server. */
  record Frame(int opcode, boolean fin, byte[] payload) {
    String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }
  }

  Frame readFrame() throws IOException {
    int first = in.readUnsignedByte();
    int second = in.readUnsignedByte();
    long length = second & 0x7F;
    if (length == 126) {
      length = in.readUnsignedShort();
    } else if (length == 127) {
      length = in.readLong();
    }
    byte[] payload = new byte[(int) length];
    in.readFully(payload);
    return new Frame(first & 0x0F, (first & 0x80) != 0, payload);
  }

  /** Reads (and drops) frames until the server's close frame; 1006 when the socket just ends. */
  Closed awaitClose(Duration timeout) throws IOException {
    socket.setSoTimeout((int) timeout.toMillis());
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (System.nanoTime() < deadline) {
        Frame frame = readFrame();
        if (frame.opcode() == CLOSE) {
          int code = frame.payload().length >= 2
              ? ((frame.payload()[0] & 0xFF) << 8) | (frame.payload()[1] & 0xFF) : 1005;
          String reason = frame.payload().length > 2
              ? new String(frame.payload(), 2, frame.payload().length - 2, StandardCharsets.UTF_8)
              : "";
          return new Closed(code, reason);
        }
      }
    } catch (EOFException | java.net.SocketException e) {
      return new Closed(1006, "the socket ended without a close frame");
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no close frame within " + timeout);
    }
    throw new AssertionError("no close frame within " + timeout);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
