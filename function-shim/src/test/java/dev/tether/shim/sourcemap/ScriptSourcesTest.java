package dev.tether.shim.sourcemap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScriptSourcesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SOURCE =
      "// a bundle: \"quotes\", \\backslashes\\, tabs\t, a NUL \u0000, é, ☃, 😀\r\n"
          + "module.exports = 'bundle';\n";

  @TempDir Path dir;

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private static ByteBuf scriptParsed(String id, Path file, String hash, long length) {
    return Unpooled.copiedBuffer("{\"method\":\"Debugger.scriptParsed\",\"params\":{\"scriptId\":\""
        + id + "\",\"url\":\"" + file.toUri() + "\",\"startLine\":0,\"executionContextAuxData\":"
        + "{\"isDefault\":true},\"hash\":\"" + hash + "\",\"length\":" + length + "}}",
        StandardCharsets.UTF_8);
  }

  private static String sourceOf(ByteBuf reply) throws Exception {
    try {
      JsonNode json = JSON.readTree(reply.toString(StandardCharsets.UTF_8));
      assertThat(json.path("id").asLong()).isEqualTo(7);
      return json.path("result").path("scriptSource").textValue();
    } finally {
      reply.release();
    }
  }

  @Test
  void aLargeFileScriptIsAnsweredFromItsFileExactlyAsV8HoldsIt() throws Exception {
    byte[] bytes = SOURCE.getBytes(StandardCharsets.UTF_8);
    Path file = Files.write(dir.resolve("bundle.js"), bytes);
    ScriptSources sources = new ScriptSources(10);

    sources.watch(scriptParsed("42", file, sha256(bytes), SOURCE.length()));

    assertThat(sourceOf(sources.answer(7, "42"))).isEqualTo(SOURCE);
  }

  @Test
  void aFileThatChangedSinceNodeReadItIsLeftToNodeFromThenOn() throws Exception {
    byte[] bytes = SOURCE.getBytes(StandardCharsets.UTF_8);
    Path file = Files.write(dir.resolve("bundle.js"), bytes);
    ScriptSources sources = new ScriptSources(10);
    sources.watch(scriptParsed("42", file, sha256(bytes), SOURCE.length()));

    Files.writeString(file, SOURCE + "// edited\n");

    assertThat(sources.answer(7, "42")).isNull();
    Files.write(file, bytes);
    assertThat(sources.answer(7, "42")).as("forgotten after a mismatch").isNull();
  }

  @Test
  void aSourceNodeAlteredIsLeftToNode() throws Exception {
    // Node strips a byte order mark, so the script's hash is not the file's.
    byte[] bytes = SOURCE.getBytes(StandardCharsets.UTF_8);
    Path file = Files.write(dir.resolve("bom.js"), ("\uFEFF" + SOURCE).getBytes(StandardCharsets.UTF_8));
    ScriptSources sources = new ScriptSources(10);

    sources.watch(scriptParsed("42", file, sha256(bytes), SOURCE.length()));

    assertThat(sources.answer(7, "42")).isNull();
  }

  @Test
  void smallScriptsScriptsThatAreNoFilesAndUnknownIdsAreLeftToNode() throws Exception {
    byte[] bytes = SOURCE.getBytes(StandardCharsets.UTF_8);
    Path file = Files.write(dir.resolve("small.js"), bytes);
    ScriptSources sources = new ScriptSources(ScriptSources.MIN_LENGTH);

    sources.watch(scriptParsed("1", file, sha256(bytes), SOURCE.length()));
    sources.watch(Unpooled.copiedBuffer("{\"method\":\"Debugger.scriptParsed\",\"params\":"
        + "{\"scriptId\":\"2\",\"url\":\"node:internal/main\",\"hash\":\"ab\",\"length\":9999999}}",
        StandardCharsets.UTF_8));

    assertThat(sources.isEmpty()).isTrue();
    assertThat(sources.answer(7, "1")).isNull();
    assertThat(sources.answer(7, "nope")).isNull();
  }

  @Test
  void throughResourceCommandsTheCommandIsAnsweredAndOthersGoToNode() throws Exception {
    byte[] bytes = SOURCE.getBytes(StandardCharsets.UTF_8);
    Path file = Files.write(dir.resolve("bundle.js"), bytes);
    ResourceCommands commands = new ResourceCommands(dir, new ScriptSources(10));
    commands.watch(scriptParsed("42", file, sha256(bytes), SOURCE.length()));

    ByteBuf reply = commands.answer(Unpooled.copiedBuffer(
        "{\"id\":7,\"method\":\"Debugger.getScriptSource\",\"params\":{\"scriptId\":\"42\"}}",
        StandardCharsets.UTF_8));
    ByteBuf other = commands.answer(Unpooled.copiedBuffer(
        "{\"id\":8,\"method\":\"Debugger.getScriptSource\",\"params\":{\"scriptId\":\"43\"}}",
        StandardCharsets.UTF_8));

    assertThat(sourceOf(reply)).isEqualTo(SOURCE);
    assertThat(other).isNull();
  }

  @Test
  void theReplyIsExactlyTheCdpShapeWithEveryControlCharacterEscaped() throws Exception {
    StringBuilder controls = new StringBuilder();
    for (char c = 0; c < 0x20; c++) {
      controls.append(c);
    }
    String source = "a\"b\\c" + controls + "\u007f é ☃ 😀 end";
    byte[] bytes = source.getBytes(StandardCharsets.UTF_8);
    Path file = Files.write(dir.resolve("bundle.js"), bytes);
    ScriptSources sources = new ScriptSources(10);
    sources.watch(scriptParsed("42", file, sha256(bytes), source.length()));

    ByteBuf reply = sources.answer(7, "42");

    String text = reply.toString(StandardCharsets.UTF_8);
    assertThat(text).isEqualTo("{\"id\":7,\"result\":{\"scriptSource\":\"a\\\"b\\\\c"
        + "\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\u0008\\t\\n"
        + "\\u000b\\u000c\\r\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015"
        + "\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f"
        + "\u007f é ☃ 😀 end\"}}");
    assertThat(sourceOf(reply)).isEqualTo(source);
  }

  @Test
  void escapesAndMultiByteCharactersAcrossTheReadChunksComeOutWhole() throws Exception {
    // Reads are 64 KiB: put a quote, a backslash and a 4-byte character on each side of a seam.
    StringBuilder source = new StringBuilder();
    while (source.length() < 3 * 65536) {
      source.append("var s = \"q\\\"x\\\\\";\t// 😀 é\n");
    }
    String text = source.toString();
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    Path file = Files.write(dir.resolve("bundle.js"), bytes);
    ScriptSources sources = new ScriptSources(10);
    sources.watch(scriptParsed("42", file, sha256(bytes), text.length()));

    assertThat(sourceOf(sources.answer(7, "42"))).isEqualTo(text);
  }
}
