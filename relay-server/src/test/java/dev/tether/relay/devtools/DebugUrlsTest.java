package dev.tether.relay.devtools;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class DebugUrlsTest {
  @Test
  void theHostedFrontEndAttachesWithWsBehindPlainHttp() {
    DebugUrls urls = new DebugUrls(URI.create("http://127.0.0.1:9300"));

    assertThat(urls.devtoolsFrontendUrl("T"))
        .isEqualTo("http://127.0.0.1:9300/devtools/tether_app.html?ws=127.0.0.1:9300/devtools/T");
    assertThat(urls.chromeDevtoolsUrl("T"))
        .startsWith("devtools://devtools/bundled/js_app.html?")
        .endsWith("&ws=127.0.0.1:9300/devtools/T");
  }

  @Test
  void theHostedFrontEndAttachesWithWssBehindTls() {
    DebugUrls urls = new DebugUrls(URI.create("https://relay.example.com"));

    assertThat(urls.devtoolsFrontendUrl("T"))
        .isEqualTo("https://relay.example.com/devtools/tether_app.html?wss=relay.example.com/devtools/T");
    assertThat(urls.webSocketDebuggerUrl("T")).isEqualTo("wss://relay.example.com/devtools/T");
    assertThat(urls.vscode("orders", "T")).containsEntry("websocketAddress",
        "wss://relay.example.com/devtools/T");
  }
}
