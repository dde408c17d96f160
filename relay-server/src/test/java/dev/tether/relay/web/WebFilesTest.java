package dev.tether.relay.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.relay.http.Json;
import dev.tether.relay.testing.TestRelay;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The relay serves the web module's files, with the right types and headers, and nothing else. */
@Timeout(60)
class WebFilesTest {
  @RegisterExtension static final TestRelay relay = TestRelay.perClass();

  @Test
  void theConsoleIsServedAtTheRootWithAStrictPolicyAndNoCaching() throws Exception {
    HttpResponse<String> page = get("/");

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(type(page)).isEqualTo("text/html;charset=utf-8");
    assertThat(page.body()).contains("<title>Tether");
    assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
        .startsWith("default-src 'self'; script-src 'self'; style-src 'self';")
        .contains("frame-ancestors 'none'");
    assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(page.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
    assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-cache");
  }

  @Test
  void consoleModulesAreJavaScriptAndStylesAreCss() throws Exception {
    HttpResponse<String> script = get("/assets/console.js");
    HttpResponse<String> style = get("/assets/tether.css");

    assertThat(script.statusCode()).isEqualTo(200);
    assertThat(type(script)).isEqualTo("text/javascript;charset=utf-8");
    assertThat(type(style)).isEqualTo("text/css;charset=utf-8");
  }

  @Test
  void theFaviconIsTheConsolesSvg() throws Exception {
    HttpResponse<String> icon = get("/favicon.ico");

    assertThat(icon.statusCode()).isEqualTo(200);
    assertThat(type(icon)).isEqualTo("image/svg+xml");
    assertThat(icon.body()).contains("<svg");
  }

  @Test
  void theEmbedScriptMayBeLoadedByOtherOrigins() throws Exception {
    HttpResponse<String> script = get("/embed/tether.js");

    assertThat(script.statusCode()).isEqualTo(200);
    assertThat(type(script)).isEqualTo("text/javascript;charset=utf-8");
    assertThat(script.headers().firstValue("Cross-Origin-Resource-Policy")).hasValue("cross-origin");
    assertThat(script.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(script.headers().firstValue("Cache-Control")).hasValue("no-cache");
    assertThat(script.body()).contains("tether-debug-button");
  }

  @Test
  void hostedDevToolsAllowsChiisInlineLoaderAndTheRelaysWebSocket() throws Exception {
    HttpResponse<String> page = get("/devtools/tether_app.html?ws=127.0.0.1:1/devtools/x");

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("./tether/node_sources.js");
    String ws = "ws://127.0.0.1:" + relay.relay().port();
    assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
        .contains("script-src 'self' " + WebArea.CHII_INLINE_SCRIPT + ";")
        .contains("connect-src 'self' " + ws + ";");
    assertThat(page.headers().firstValue("Cache-Control")).hasValue("public, max-age=86400");
    assertThat(type(get("/devtools/entrypoints/js_app/js_app.js"))).isEqualTo("text/javascript;charset=utf-8");
  }

  @Test
  void theCspHashMatchesChiisInlineScript() throws Exception {
    String html = get("/devtools/tether_app.html").body();
    int start = html.indexOf("<script>") + "<script>".length();
    String inline = html.substring(start, html.indexOf("</script>", start));
    byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
        .digest(inline.getBytes(StandardCharsets.UTF_8));

    assertThat("'sha256-" + java.util.Base64.getEncoder().encodeToString(digest) + "'")
        .as("web/README.md: recompute the hash when chii changes")
        .isEqualTo(WebArea.CHII_INLINE_SCRIPT);
  }

  @Test
  void aDevToolsTicketWithoutAnUpgradeStillExplainsItself() throws Exception {
    HttpResponse<String> response = get("/devtools/aaa.bbb.ccc");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).path("error").asText()).isEqualTo("websocket_required");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/devtools/", "/devtools/core", "/assets/", "/embed/"})
  void directoriesAreNeverListed(String path) throws Exception {
    HttpResponse<String> response = get(path);

    assertThat(response.statusCode()).isIn(302, 400, 403, 404);
    assertThat(response.body()).doesNotContain("<a href");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/nope.html", "/assets/missing.js", "/admin/missing.js", "/index.htm"})
  void unknownFilesAreAJson404(String path) throws Exception {
    HttpResponse<String> response = get(path);

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(json(response).path("message").asText()).isNotBlank();
  }

  @Test
  void adminWithoutASlashRedirectsSoTheAdminPagesRelativeLinksResolve() throws Exception {
    HttpResponse<String> response = get("/admin");

    assertThat(response.statusCode()).isEqualTo(302);
    assertThat(response.headers().firstValue("Location").orElseThrow()).endsWith("/admin/");
  }

  @Test
  void otherMethodsOnFilesAre405() throws Exception {
    HttpResponse<String> response = relay.call("POST", "/assets/console.js", null, "{}");

    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(response.headers().firstValue("Allow")).hasValue("GET, HEAD");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "/assets/../../../../etc/passwd",
      "/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
      "/assets/..%2f..%2f..%2fetc%2fpasswd",
      "/devtools/../../dev/tether/relay/Relay.class",
      "/devtools/%2e%2e/%2e%2e/logback.xml",
      "/assets/..%5c..%5cpom.xml",
      "/assets/%252e%252e/%252e%252e/etc/passwd",
      "/embed/../../META-INF/MANIFEST.MF",
      "/devtools/..;/..;/dev/tether/relay/Relay.class",
      "/assets/./../../tether-web/../dev/tether/relay/Relay.class"})
  void pathTraversalNeverLeavesTheWebFolder(String path) throws Exception {
    String response = raw("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");

    String status = response.substring(0, response.indexOf("\r\n"));
    assertThat(status).as(path).matches("HTTP/1.1 (400|403|404) .*");
    assertThat(response).doesNotContain("root:").doesNotContain("Manifest-Version")
        .doesNotContain("<project").doesNotContain("<configuration");
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return relay.call("GET", path, null, null);
  }

  /** The Content-Type without optional whitespace ({@code text/html;charset=utf-8}). */
  private static String type(HttpResponse<String> response) {
    return response.headers().firstValue("Content-Type").orElse("").replace(" ", "");
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return Json.MAPPER.readTree(response.body());
  }

  /** Sends bytes as they are: HTTP clients would normalize the paths under test. */
  private static String raw(String request) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", relay.relay().port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }
}
