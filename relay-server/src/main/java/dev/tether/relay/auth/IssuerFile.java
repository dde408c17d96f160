package dev.tether.relay.auth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The file beside the signing keys that names the issuer a data directory's relay signs as, so
 * {@code tether token} and the benchmarks sign tokens that relay accepts.
 */
public final class IssuerFile {
  /** The file's name in the data directory. */
  public static final String NAME = "issuer";

  private IssuerFile() {}

  /** Records {@code issuer} as the one this data directory's relay signs as. */
  public static void write(Path dataDir, String issuer) throws IOException {
    Files.createDirectories(dataDir);
    Files.writeString(dataDir.resolve(NAME), issuer + "\n");
  }

  /** The issuer name this data directory's relay last signed as, if it ever ran. */
  public static Optional<String> read(Path dataDir) throws IOException {
    Path file = dataDir.resolve(NAME);
    return Files.exists(file) ? Optional.of(Files.readString(file).trim()) : Optional.empty();
  }
}
