package dev.tether.relay.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console, the admin pages and the embed open only http: and https: URLs from the relay: a
 * javascript: or data: URL in {@code devtoolsFrontendUrl} would run in the page's own tab. Runs the
 * served scripts in Node (a prerequisite of the build) with a stand-in for the page's window.
 */
@Timeout(60)
class RelayLinkSchemeTest {
  private static final String CASES = """
      const results = [];
      for (const url of ['https://relay.example.com/devtools/x', 'http://127.0.0.1:9300/d',
          '/devtools/relative', 'javascript:alert(1)', 'JavaScript:alert(1)',
          'data:text/html,<script>alert(1)</script>', 'vbscript:x', 'http://[bad']) {
        try { results.push(url + ' -> ' + check(url)); } catch (e) { results.push(url + ' !! ' + e.message); }
      }
      console.log(results.join('\\n'));
      """;

  @Test
  void theConsolesCheckOpensOnlyHttpAndHttpsUrls(@TempDir Path dir) throws Exception {
    Path urls = dir.resolve("urls.mjs");
    Files.writeString(urls, served("/tether-web/assets/urls.js"));
    Path script = dir.resolve("run.mjs");
    Files.writeString(script, "globalThis.window = { location: { href: 'https://relay.example.com/' } };\n"
        + "const { httpUrl: check } = await import('./urls.mjs');\n" + CASES);

    assertChecked(node(script));
  }

  @Test
  void theEmbedsCheckOpensOnlyHttpAndHttpsUrls(@TempDir Path dir) throws Exception {
    String embed = served("/tether-web/embed/tether.js");
    int start = embed.indexOf("  function httpUrl(text) {");
    int failure = embed.indexOf("  function failure(");
    int end = embed.indexOf("  }\n", failure) + 4;
    assertThat(start).as("the embed has its own check").isPositive();
    Path script = dir.resolve("run.mjs");
    Files.writeString(script, "globalThis.window = { location: { href: 'https://console.example.com/' } };\n"
        + embed.substring(start, failure) + embed.substring(failure, end)
        + "const check = httpUrl;\n" + CASES);

    assertChecked(node(script));
  }

  private static void assertChecked(String out) {
    assertThat(out).contains("https://relay.example.com/devtools/x -> https://relay.example.com/devtools/x")
        .contains("http://127.0.0.1:9300/d -> http://127.0.0.1:9300/d")
        .contains("/devtools/relative -> https://")
        .contains("javascript:alert(1) !! ").contains("JavaScript:alert(1) !! ")
        .contains("data:text/html,<script>alert(1)</script> !! ").contains("vbscript:x !! ")
        .contains("http://[bad !! ");
  }

  private static String served(String resource) throws Exception {
    try (InputStream in = RelayLinkSchemeTest.class.getResourceAsStream(resource)) {
      assertThat(in).as(resource).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String node(Path script) throws Exception {
    Process process = new ProcessBuilder("node", script.toString()).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(out).isZero();
    return out;
  }
}
