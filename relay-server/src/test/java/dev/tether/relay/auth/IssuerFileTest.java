package dev.tether.relay.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IssuerFileTest {
  @Test
  void aDataDirectoryNamesTheIssuerItsRelayLastSignedAs(@TempDir Path dir) throws Exception {
    Path dataDir = dir.resolve("data");
    assertThat(IssuerFile.read(dataDir)).as("a relay never ran here").isEmpty();

    IssuerFile.write(dataDir, "https://relay.example.com");
    IssuerFile.write(dataDir, "http://127.0.0.1:9300");

    assertThat(IssuerFile.read(dataDir)).hasValue("http://127.0.0.1:9300");
  }
}
