package dev.tether.relay.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SigningKeysTest {
  @TempDir Path dataDir;

  private Path keyFile() {
    return dataDir.resolve("keys").resolve("signing-key.jwk.json");
  }

  @Test
  void processesCreatingTheKeyAtOnceAllEndUpWithTheSameOne() throws Exception {
    // A relay starting while `tether token` runs on a fresh data dir: one key, not two.
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      java.util.List<java.util.concurrent.Future<String>> kids = new java.util.ArrayList<>();
      java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
      for (int i = 0; i < 8; i++) {
        kids.add(pool.submit(() -> {
          start.await();
          return SigningKeys.loadOrCreate(dataDir).keyId();
        }));
      }
      start.countDown();
      java.util.Set<String> distinct = new java.util.HashSet<>();
      for (java.util.concurrent.Future<String> kid : kids) {
        distinct.add(kid.get());
      }

      assertThat(distinct).hasSize(1).containsExactly(SigningKeys.loadOrCreate(dataDir).keyId());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void theFirstStartCreatesTheKeyFileReadableOnlyByItsOwner() throws Exception {
    SigningKeys keys = SigningKeys.loadOrCreate(dataDir);

    assertThat(keyFile()).exists();
    assertThat(keys.keyId()).isNotBlank();
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile())))
          .isEqualTo("rw-------");
    }
    try (var files = Files.list(keyFile().getParent())) {
      assertThat(files).containsExactly(keyFile());
    }
  }

  @Test
  void theSecondStartReloadsTheSameKey() throws Exception {
    SigningKeys first = SigningKeys.loadOrCreate(dataDir);
    String written = Files.readString(keyFile());

    SigningKeys second = SigningKeys.loadOrCreate(dataDir);

    assertThat(second.keyId()).isEqualTo(first.keyId());
    assertThat(second.publicJwkSetJson()).isEqualTo(first.publicJwkSetJson());
    assertThat(Files.readString(keyFile())).isEqualTo(written);
  }

  @Test
  void theJwkSetPublishesOnlyThePublicPartsOfAnEs256Key() throws Exception {
    SigningKeys keys = SigningKeys.loadOrCreate(dataDir);

    JsonNode set = new ObjectMapper().readTree(keys.publicJwkSetJson());

    assertThat(set.get("keys")).hasSize(1);
    JsonNode key = set.get("keys").get(0);
    assertThat(key.has("d")).isFalse();
    assertThat(key.get("kty").asText()).isEqualTo("EC");
    assertThat(key.get("crv").asText()).isEqualTo("P-256");
    assertThat(key.get("alg").asText()).isEqualTo("ES256");
    assertThat(key.get("use").asText()).isEqualTo("sig");
    assertThat(key.get("kid").asText()).isEqualTo(keys.keyId());
  }

  @Test
  void aCorruptKeyFileIsReportedWithoutEchoingItsContents() throws Exception {
    Files.createDirectories(keyFile().getParent());
    Files.writeString(keyFile(), "{\"kty\":\"EC\",\"d\":\"secret-material\"");

    assertThatThrownBy(() -> SigningKeys.loadOrCreate(dataDir))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("move it away")
        .hasMessageNotContaining("secret-material");
  }

  @Test
  void aPublicOnlyKeyFileIsRefused() throws Exception {
    Files.createDirectories(keyFile().getParent());
    Files.writeString(keyFile(), SigningKeys.generate().publicKey().toJSONString());

    assertThatThrownBy(() -> SigningKeys.loadOrCreate(dataDir))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("private key");
  }

  @Test
  void aKeyLeftOpenToOthersByAnOlderVersionIsMadePrivateWhenLoaded() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
    SigningKeys first = SigningKeys.loadOrCreate(dataDir);
    Files.setPosixFilePermissions(keyFile(), PosixFilePermissions.fromString("rw-r--r--"));
    Files.setPosixFilePermissions(keyFile().getParent(),
        PosixFilePermissions.fromString("rwxr-xr-x"));

    SigningKeys again = SigningKeys.loadOrCreate(dataDir);

    assertThat(again.keyId()).isEqualTo(first.keyId());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile())))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(
        Files.getPosixFilePermissions(keyFile().getParent()))).isEqualTo("rwx------");
  }
}
