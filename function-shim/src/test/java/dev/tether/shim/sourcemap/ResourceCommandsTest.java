package dev.tether.shim.sourcemap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResourceCommandsTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String MAP =
      "{\"version\":3,\"sources\":[\"../src/app.ts\",\"../../outside/secret.ts\",\"../src/link.ts\"],"
          + "\"mappings\":\"AAAA\"}";

  @TempDir Path root;
  private Path code;
  private ResourceCommands commands;
  private int nextId = 1;

  @BeforeEach
  void function() throws Exception {
    code = Files.createDirectories(root.resolve("task"));
    Files.createDirectories(code.resolve("dist"));
    Files.createDirectories(code.resolve("src"));
    Files.createDirectories(root.resolve("outside"));
    Files.writeString(code.resolve("dist/app.js"), "console.log(1)\n//# sourceMappingURL=app.js.map");
    Files.writeString(code.resolve("dist/app.js.map"), MAP);
    Files.writeString(code.resolve("src/app.ts"), "const x: number = 1; // ü\n");
    Files.writeString(code.resolve("config.json"), "{\"password\":\"hunter2\"}");
    Files.writeString(root.resolve("outside/secret.ts"), "export const key = 'sk_live';");
    Files.createSymbolicLink(code.resolve("src/link.ts"), root.resolve("outside/secret.ts"));
    commands = new ResourceCommands(code.toRealPath());
  }

  @Test
  void aSourceMapALoadedScriptNamesIsServedInChunksAndItsHandleClosed() throws Exception {
    scriptParsed(code.resolve("dist/app.js").toUri().toString(), "app.js.map");

    JsonNode loaded = load(code.resolve("dist/app.js.map").toUri().toString());
    assertThat(loaded.at("/result/resource/success").asBoolean()).isTrue();
    assertThat(loaded.at("/result/resource/httpStatusCode").asInt()).isEqualTo(200);
    String handle = loaded.at("/result/resource/stream").asText();

    JsonNode read = send("IO.read", "{\"handle\":\"" + handle + "\",\"size\":1048576}");
    assertThat(new String(Base64.getDecoder().decode(read.at("/result/data").asText()),
        StandardCharsets.UTF_8)).isEqualTo(MAP);
    assertThat(read.at("/result/eof").asBoolean()).isTrue();
    assertThat(send("IO.close", "{\"handle\":\"" + handle + "\"}").path("result").isObject())
        .isTrue();
    assertThat(send("IO.read", "{\"handle\":\"" + handle + "\"}").at("/error/message").asText())
        .contains("no open file");
  }

  @Test
  void theSourcesOfAServedMapAreServedTooWithTheirBytesIntact() throws Exception {
    scriptParsed(code.resolve("dist/app.js").toUri().toString(), "app.js.map");
    load(code.resolve("dist/app.js.map").toUri().toString());

    JsonNode loaded = load(code.resolve("src/app.ts").toUri().toString());
    String handle = loaded.at("/result/resource/stream").asText();
    JsonNode read = send("IO.read", "{\"handle\":\"" + handle + "\",\"size\":10}");

    assertThat(read.at("/result/eof").asBoolean()).isFalse();
    assertThat(Base64.getDecoder().decode(read.at("/result/data").asText())).hasSize(10);
  }

  @Test
  void aFileInTheCodeDirectoryThatNoMapNamesIsRefused() throws Exception {
    scriptParsed(code.resolve("dist/app.js").toUri().toString(), "app.js.map");

    JsonNode refused = load(code.resolve("config.json").toUri().toString());

    assertThat(refused.at("/error/code").asInt()).isEqualTo(-32000);
    assertThat(refused.at("/error/message").asText()).contains("neither a source map");
    assertThat(refused.toString()).doesNotContain("hunter2");
  }

  @Test
  void aSourceBeforeItsMapWasLoadedIsRefused() throws Exception {
    scriptParsed(code.resolve("dist/app.js").toUri().toString(), "app.js.map");

    assertThat(load(code.resolve("src/app.ts").toUri().toString()).has("error")).isTrue();
  }

  @Test
  void systemFilesAndOtherSchemesAreRefused() throws Exception {
    assertThat(load("file:///etc/passwd").at("/error/message").asText())
        .contains("neither a source map");
    assertThat(load("http://169.254.169.254/latest/meta-data/").at("/error/message").asText())
        .contains("only file: URLs");
  }

  @Test
  void aScriptThatNamesAMapOutsideTheCodeDirectoryDoesNotOpenIt() throws Exception {
    scriptParsed(code.resolve("dist/app.js").toUri().toString(), "../../outside/secret.ts");

    assertThat(load(root.resolve("outside/secret.ts").toUri().toString())
        .at("/error/message").asText()).contains("outside the function's code directory");
  }

  @Test
  void aMapCannotLeadOutOfTheCodeDirectoryByDotDotOrBySymbolicLink() throws Exception {
    scriptParsed(code.resolve("dist/app.js").toUri().toString(), "app.js.map");
    load(code.resolve("dist/app.js.map").toUri().toString());

    assertThat(load(root.resolve("outside/secret.ts").toUri().toString())
        .at("/error/message").asText()).contains("outside the function's code directory");
    assertThat(load(code.resolve("src/link.ts").toUri().toString())
        .at("/error/message").asText()).contains("outside the function's code directory");
  }

  @Test
  void aMapLargerThanTheBoundIsRefused() throws Exception {
    try (RandomAccessFile big = new RandomAccessFile(code.resolve("dist/app.js.map").toFile(), "rw")) {
      big.setLength(SourceFiles.MAX_FILE_BYTES + 1);
    }
    scriptParsed(code.resolve("dist/app.js").toUri().toString(), "app.js.map");

    assertThat(load(code.resolve("dist/app.js.map").toUri().toString())
        .at("/error/message").asText()).contains("more than the shim serves");
  }

  @Test
  void everythingElseGoesToTheInspectorUntouched() {
    assertThat(commands.answer(buffer("{\"id\":1,\"method\":\"Runtime.evaluate\","
        + "\"params\":{\"expression\":\"'Network.loadNetworkResource'\"}}"))).isNull();
    assertThat(commands.answer(buffer("{\"id\":2,\"method\":\"IO.read\","
        + "\"params\":{\"handle\":\"node-trace-1\"}}"))).as("the inspector's own streams").isNull();
    assertThat(commands.answer(buffer("{\"id\":3,\"method\":\"Network.loadNetworkResource\","
        + "\"params\":{\"url\":\"" + "x".repeat(ResourceCommands.MAX_INSPECTED_BYTES) + "\"}}")))
        .as("a message larger than any such command").isNull();
  }

  private void scriptParsed(String url, String sourceMapUrl) {
    ByteBuf event = Unpooled.buffer().writeBytes("xx".getBytes(StandardCharsets.UTF_8));
    event.writeBytes(("{\"method\":\"Debugger.scriptParsed\",\"params\":{\"scriptId\":\"90\","
        + "\"url\":\"" + url + "\",\"sourceMapURL\":\"" + sourceMapUrl + "\"}}")
        .getBytes(StandardCharsets.UTF_8));
    event.readerIndex(2); // as a frame's content may start past index 0
    commands.watch(event);
  }

  private JsonNode load(String url) throws Exception {
    return send("Network.loadNetworkResource",
        "{\"url\":\"" + url + "\",\"options\":{\"disableCache\":true,\"includeCredentials\":true}}");
  }

  private JsonNode send(String method, String params) throws Exception {
    int id = nextId++;
    ByteBuf reply = commands.answer(
        buffer("{\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + params + "}"));
    assertThat(reply).as("the shim answers " + method).isNotNull();
    JsonNode json = MAPPER.readTree(reply.toString(StandardCharsets.UTF_8));
    assertThat(json.path("id").asInt()).isEqualTo(id);
    return json;
  }

  private static ByteBuf buffer(String text) {
    return Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8));
  }
}
