package dev.tether.relay.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.relay.config.RelayConfig;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CommandHintsTest {
  @Test
  void aRelayOnLoopbackNamesItsOwnDataDirectoryInEveryTokenCommand() {
    RelayConfig config = RelayConfig.builder().host("127.0.0.1").port(9300)
        .dataDir(Path.of(".tether/demo")).build();

    var hints = new CommandHints(config, URI.create("http://127.0.0.1:9300")).hints();

    assertThat(hints.get("local")).isEqualTo(true);
    assertThat((String) hints.get("userToken"))
        .isEqualTo("./tether token user --sub \"$(whoami)\" --functions '*' --data-dir .tether/demo");
    assertThat((String) hints.get("adminToken"))
        .isEqualTo("./tether token user --sub \"$(whoami)\" --role admin --data-dir .tether/demo");
    assertThat((String) hints.get("shim"))
        .contains("--data-dir .tether/demo").contains("--relay ws://127.0.0.1:9300 ")
        .doesNotContain("--token");
  }

  @Test
  void aRelayReachableFromOtherMachinesDoesNotTellStrangersWhereItsKeysAre() {
    RelayConfig open = RelayConfig.builder().host("0.0.0.0").port(9300).build();
    RelayConfig proxied = RelayConfig.builder().host("127.0.0.1").port(9300)
        .publicUrl(URI.create("https://relay.example.com")).build();

    assertThat(new CommandHints(open, URI.create("http://127.0.0.1:9300")).hints())
        .containsOnlyKeys("local").containsEntry("local", false);
    assertThat(new CommandHints(proxied, URI.create("https://relay.example.com")).hints())
        .containsOnlyKeys("local");
  }

  @Test
  void aDataDirectoryWithSpacesOrQuotesStaysOneShellWord() {
    assertThat(CommandHints.shellWord("/tmp/my relay/it's")).isEqualTo("'/tmp/my relay/it'\\''s'");
    assertThat(CommandHints.shellWord(".tether/data")).isEqualTo(".tether/data");
  }
}
