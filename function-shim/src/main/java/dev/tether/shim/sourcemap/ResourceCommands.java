package dev.tether.shim.sourcemap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;

/**
 * Answers, in the shim, the CDP commands hosted DevTools uses to fetch a source map and its
 * sources, which Node answers only behind an experimental flag: {@code
 * Network.loadNetworkResource}, then {@code IO.read} and {@code IO.close} on the stream it returned;
 * and {@code Debugger.getScriptSource} of a large script that is a file ({@link ScriptSources}).
 * It learns which maps exist from the {@code Debugger.scriptParsed} events the inspector sends the
 * same session. Files come from {@link SourceFiles}, which decides what may be read.
 *
 * <p>Every message passes here, so each is first checked with a byte search on small messages
 * only; just the few that name one of these methods (or carry a non-empty {@code sourceMapURL})
 * are parsed. Everything else goes on untouched. One instance per stream, on its event loop.
 */
public final class ResourceCommands {
  /** The commands and events handled here are small; larger messages are never looked into. */
  static final int MAX_INSPECTED_BYTES = 16 * 1024;
  private static final int SERVER_ERROR = -32000;
  private static final ByteBuf LOAD = needle("Network.loadNetworkResource");
  private static final ByteBuf READ = needle("\"IO.read\"");
  private static final ByteBuf CLOSE = needle("\"IO.close\"");
  private static final ByteBuf OUR_HANDLE = needle(SourceFiles.HANDLE_PREFIX);
  private static final ByteBuf SOURCE_MAP = needle("\"sourceMapURL\":\"");
  private static final ByteBuf SCRIPT_PARSED = needle("\"Debugger.scriptParsed\"");
  private static final ByteBuf FILE_URL = needle("\"url\":\"file://");
  private static final ByteBuf GET_SOURCE = needle("\"Debugger.getScriptSource\"");

  private final SourceFiles files;
  private final ScriptSources scripts;

  public ResourceCommands(Path codeDirectory) {
    this(codeDirectory, new ScriptSources());
  }

  ResourceCommands(Path codeDirectory, ScriptSources scripts) {
    this.files = new SourceFiles(codeDirectory);
    this.scripts = scripts;
  }

  /**
   * One mapper for every session, made when the first command or source map needs it: most
   * sessions never do, and an idle shim keeps no data binding (BENCHMARKS.md B8).
   */
  static ObjectMapper mapper() {
    return SharedMapper.INSTANCE;
  }

  private static final class SharedMapper {
    static final ObjectMapper INSTANCE = new ObjectMapper();
  }

  /** The function's code directory: the shim's working directory, which node inherits. */
  public static Path currentCodeDirectory() {
    try {
      return Path.of("").toRealPath();
    } catch (IOException e) {
      return Path.of("").toAbsolutePath();
    }
  }

  /**
   * The reply to a DevTools → inspector message this class answers itself, or null when the
   * message is for the inspector. The caller still owns {@code message}.
   */
  public ByteBuf answer(ByteBuf message) {
    if (message.readableBytes() > MAX_INSPECTED_BYTES) {
      return null;
    }
    boolean load = ByteBufUtil.indexOf(LOAD, message) >= 0;
    boolean io = !load && ByteBufUtil.indexOf(OUR_HANDLE, message) >= 0
        && (ByteBufUtil.indexOf(READ, message) >= 0 || ByteBufUtil.indexOf(CLOSE, message) >= 0);
    boolean source = !load && !io && !scripts.isEmpty()
        && ByteBufUtil.indexOf(GET_SOURCE, message) >= 0;
    if (!load && !io && !source) {
      return null;
    }
    JsonNode command = parse(message);
    if (command == null || !command.path("id").canConvertToLong()) {
      return null; // not a command the inspector would take either; let it say so
    }
    long id = command.path("id").asLong();
    JsonNode params = command.path("params");
    return switch (command.path("method").asText()) {
      case "Network.loadNetworkResource" -> load(id, params.path("url").asText(""));
      case "IO.read" -> params.path("handle").asText("").startsWith(SourceFiles.HANDLE_PREFIX)
          ? read(id, params) : null;
      case "IO.close" -> params.path("handle").asText("").startsWith(SourceFiles.HANDLE_PREFIX)
          ? close(id, params.path("handle").asText()) : null;
      case "Debugger.getScriptSource" -> scripts.answer(id, params.path("scriptId").asText(""));
      default -> null;
    };
  }

  /** Looks at one inspector → DevTools message for a script that names a source map. */
  public void watch(ByteBuf message) {
    if (message.readableBytes() > MAX_INSPECTED_BYTES) {
      return;
    }
    if (ByteBufUtil.indexOf(FILE_URL, message) >= 0
        && ByteBufUtil.indexOf(SCRIPT_PARSED, message) >= 0) {
      scripts.watch(message); // a large file's source is then served from the file
    }
    int at = ByteBufUtil.indexOf(SOURCE_MAP, message);
    if (at < 0 || at + SOURCE_MAP.readableBytes() >= message.writerIndex()
        || message.getByte(at + SOURCE_MAP.readableBytes()) == '"') {
      return; // no map, or an empty sourceMapURL (most of Node's own scripts)
    }
    JsonNode event = parse(message);
    if (event != null && event.path("method").asText().equals("Debugger.scriptParsed")) {
      JsonNode params = event.path("params");
      files.scriptParsed(params.path("url").asText(""), params.path("sourceMapURL").asText(""));
    }
  }

  private ByteBuf load(long id, String url) {
    SourceFiles.Outcome outcome = files.load(url);
    if (outcome instanceof SourceFiles.Opened opened) {
      ObjectNode reply = mapper().createObjectNode().put("id", id);
      reply.putObject("result").putObject("resource").put("success", true)
          .put("httpStatusCode", 200).put("stream", opened.handle())
          .putObject("headers").put("Content-Length", Long.toString(opened.size()));
      return encode(reply);
    }
    return error(id, ((SourceFiles.Refused) outcome).reason());
  }

  private ByteBuf read(long id, JsonNode params) {
    Integer size = params.path("size").canConvertToInt() ? params.path("size").asInt() : null;
    SourceFiles.Outcome outcome = files.read(params.path("handle").asText(), size);
    if (outcome instanceof SourceFiles.Chunk chunk) {
      ObjectNode reply = mapper().createObjectNode().put("id", id);
      // Base64, so a chunk may end inside a multi-byte character; DevTools decodes as a stream.
      reply.putObject("result").put("base64Encoded", true)
          .put("data", Base64.getEncoder().encodeToString(chunk.data())).put("eof", chunk.eof());
      return encode(reply);
    }
    return error(id, ((SourceFiles.Refused) outcome).reason());
  }

  private ByteBuf close(long id, String handle) {
    if (!files.close(handle)) {
      return error(id, "no open file " + handle);
    }
    ObjectNode reply = mapper().createObjectNode().put("id", id);
    reply.putObject("result");
    return encode(reply);
  }

  private ByteBuf error(long id, String message) {
    ObjectNode reply = mapper().createObjectNode().put("id", id);
    reply.putObject("error").put("code", SERVER_ERROR).put("message", message);
    return encode(reply);
  }

  private JsonNode parse(ByteBuf message) {
    try {
      return mapper().readTree(new ByteBufInputStream(message.duplicate()));
    } catch (IOException e) {
      return null;
    }
  }

  private ByteBuf encode(ObjectNode reply) {
    try {
      return Unpooled.wrappedBuffer(mapper().writeValueAsBytes(reply));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a reply tree cannot be written", e);
    }
  }

  private static ByteBuf needle(String text) {
    return Unpooled.unreleasableBuffer(
        Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)).asReadOnly());
  }
}
