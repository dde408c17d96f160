package dev.tether.relay.connect;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Host headers tether connect answers, as Node's inspector decides them. */
class HostGuardTest {
  @ParameterizedTest
  @ValueSource(strings = {"localhost", "localhost:9229", "LOCALHOST:9229", "127.0.0.1",
      "127.0.0.1:9229", "0.0.0.0:1", "192.168.1.20:9229", "[::1]", "[::1]:9229",
      "[fe80::1]:80", "[::ffff:127.0.0.1]:9229"})
  void localhostAndIpLiteralsAreAnswered(String host) {
    assertThat(HostGuard.allowed(host)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "evil.example", "evil.example:9229", "localhost.evil.example",
      "127.0.0.1.nip.io:9229", "localhost:9229x", "localhost:", "256.0.0.1", "127.0.0.1:99999x",
      "[::1", "[evil.example]", "[beef]:9229", "::1", "127.1", "0x7f.0.0.1", "localhost:9229:1"})
  void everyOtherHostIsRefused(String host) {
    assertThat(HostGuard.allowed(host)).isFalse();
  }
}
