package dev.tether.shim.sourcemap;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * Answers {@code Debugger.getScriptSource} in the shim for a large script that is a file, streamed
 * from the file, so Node never builds the reply: its inspector holds about twelve copies of a
 * source while it sends one (127 MB of node's memory for a 10 MB bundle, more than a 128 MB
 * function has; BENCHMARKS.md).
 *
 * <p>The answer is exactly what V8 would have sent: the file is read once into the reply while its
 * SHA-256 is computed, and the reply goes out only when that equals the script's {@code hash} from
 * {@code Debugger.scriptParsed} (V8's hash is the SHA-256 of the source's UTF-8). A file that
 * changed, a source Node altered (a byte order mark it stripped, a wrapper), or anything that
 * cannot be read is left to Node. Small scripts are always left to Node: the cost is in the large
 * ones. One instance per stream, on its event loop.
 */
final class ScriptSources {
  /** Below this many characters Node's own answer is cheap enough. */
  static final long MIN_LENGTH = 1024 * 1024;
  /** The reply is held in direct memory (the shim's limit is 64 MB) until it has been sent. */
  static final long MAX_FILE_BYTES = 24L * 1024 * 1024;
  /** Scripts remembered per session; a bundle is one, so this is only a bound. */
  static final int MAX_SCRIPTS = 64;

  private static final JsonFactory JSON = new JsonFactory();
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  private static final ByteBuf LENGTH = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(
      "\"length\":".getBytes(StandardCharsets.US_ASCII)).asReadOnly());

  private final Map<String, Script> scripts = new HashMap<>();
  private final long minLength;

  private record Script(Path file, String hash) {}

  ScriptSources() {
    this(MIN_LENGTH);
  }

  ScriptSources(long minLength) {
    this.minLength = minLength;
  }

  boolean isEmpty() {
    return scripts.isEmpty();
  }

  /** Reads one inspector → DevTools message that may be a {@code Debugger.scriptParsed} event. */
  void watch(ByteBuf message) {
    // An app loads thousands of small file scripts, each announced in an event that DevTools'
    // attach waits for: read the length in place and parse only the large ones.
    if (lengthIn(message) < minLength) {
      return;
    }
    String method = null;
    String scriptId = null;
    String url = null;
    String hash = null;
    long length = -1;
    try (JsonParser parser = JSON.createParser((InputStream) new ByteBufInputStream(
        message.duplicate()))) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return;
      }
      for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
        JsonToken value = parser.nextToken();
        if (name.equals("method") && value == JsonToken.VALUE_STRING) {
          method = parser.getText();
        } else if (name.equals("params") && value == JsonToken.START_OBJECT) {
          for (String p = parser.nextFieldName(); p != null; p = parser.nextFieldName()) {
            JsonToken v = parser.nextToken();
            if (v == JsonToken.VALUE_STRING && p.equals("scriptId")) {
              scriptId = parser.getText();
            } else if (v == JsonToken.VALUE_STRING && p.equals("url")) {
              url = parser.getText();
            } else if (v == JsonToken.VALUE_STRING && p.equals("hash")) {
              hash = parser.getText();
            } else if (v == JsonToken.VALUE_NUMBER_INT && p.equals("length")) {
              length = parser.getLongValue();
            } else {
              parser.skipChildren();
            }
          }
        } else {
          parser.skipChildren();
        }
      }
    } catch (IOException e) {
      return; // not an event we can read; Node answers for it as always
    }
    if ("Debugger.scriptParsed".equals(method) && scriptId != null && hash != null
        && url != null && url.startsWith("file://") && length >= minLength
        && scripts.size() < MAX_SCRIPTS) {
      try {
        scripts.put(scriptId, new Script(Path.of(URI.create(url)), hash.toLowerCase()));
      } catch (IllegalArgumentException | FileSystemNotFoundException e) {
        // a URL that is no local file: Node answers
      }
    }
  }

  /** The number after the first {@code "length":} in {@code message}, or -1. */
  private static long lengthIn(ByteBuf message) {
    int at = ByteBufUtil.indexOf(LENGTH, message);
    if (at < 0) {
      return -1;
    }
    long value = -1;
    for (int i = at + LENGTH.readableBytes(); i < message.writerIndex(); i++) {
      byte b = message.getByte(i);
      if (b < '0' || b > '9' || value > Long.MAX_VALUE / 10 - 10) {
        break;
      }
      value = (value < 0 ? 0 : value * 10) + (b - '0');
    }
    return value;
  }

  /**
   * The reply to {@code Debugger.getScriptSource} for {@code scriptId}, or null when Node should
   * answer (not a large file script, or the file no longer holds the script's source).
   */
  ByteBuf answer(long id, String scriptId) {
    Script script = scripts.get(scriptId);
    if (script == null) {
      return null;
    }
    ByteBuf reply = null;
    try (FileChannel file = FileChannel.open(script.file(), StandardOpenOption.READ)) {
      long size = file.size();
      if (size > MAX_FILE_BYTES || !Files.isRegularFile(script.file())) {
        return null;
      }
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      reply = Unpooled.directBuffer((int) (size + size / 16 + 64));
      reply.writeCharSequence("{\"id\":" + id + ",\"result\":{\"scriptSource\":\"",
          StandardCharsets.US_ASCII);
      ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
      long read = 0;
      while (file.read(chunk.clear()) >= 0 && read <= size) {
        chunk.flip();
        read += chunk.remaining();
        sha256.update(chunk.duplicate());
        escape(chunk, reply);
      }
      reply.writeCharSequence("\"}}", StandardCharsets.US_ASCII);
      if (read != size || !HexFormat.of().formatHex(sha256.digest()).equals(script.hash())) {
        scripts.remove(scriptId); // changed since Node read it: Node answers from now on
        reply.release();
        return null;
      }
      return reply;
    } catch (IOException | NoSuchAlgorithmException | RuntimeException e) {
      if (reply != null) {
        reply.release();
      }
      return null;
    }
  }

  /**
   * Writes UTF-8 bytes as the inside of a JSON string: quote, backslash and control characters
   * escaped, everything else as it is (valid UTF-8 is valid JSON text; the hash proves it valid).
   * Runs of bytes that need no escape (nearly all of a bundle) are copied in one bulk write: a
   * {@code writeByte} per byte cost the shim's C1-only JIT several ns a byte, 20 MB at a time.
   */
  private static void escape(ByteBuffer bytes, ByteBuf out) {
    byte[] array = bytes.array();
    int end = bytes.arrayOffset() + bytes.limit();
    int from = bytes.arrayOffset() + bytes.position();
    for (int i = from; i < end; i++) {
      byte b = array[i];
      if (b == '"' || b == '\\' || (b >= 0 && b < 0x20)) {
        out.writeBytes(array, from, i - from);
        from = i + 1;
        switch (b) {
          case '"', '\\' -> out.writeByte('\\').writeByte(b);
          case '\n' -> out.writeByte('\\').writeByte('n');
          case '\r' -> out.writeByte('\\').writeByte('r');
          case '\t' -> out.writeByte('\\').writeByte('t');
          default -> out.writeByte('\\').writeByte('u').writeByte('0').writeByte('0')
              .writeByte(HEX[b >> 4]).writeByte(HEX[b & 0xf]);
        }
      }
    }
    out.writeBytes(array, from, end - from);
    bytes.position(bytes.limit());
  }
}
