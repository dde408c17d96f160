package dev.tether.relay.audit;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * File modes for the trail: it holds command arguments, so its files are 0600 and its directory
 * 0700 when created, and tightened on start when an older version left them looser. On a file
 * system without POSIX modes this does nothing.
 */
final class OwnerOnly {
  static final boolean POSIX =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");

  private OwnerOnly() {}

  /** The attribute that creates a file readable and writable by its owner only. */
  static FileAttribute<?>[] file() {
    return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)}
        : new FileAttribute<?>[0];
  }

  /** Creates {@code dir} (0700) if needed and tightens it and the files in it to the owner. */
  static void directory(Path dir) throws IOException {
    if (!POSIX) {
      Files.createDirectories(dir);
      return;
    }
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIR));
    }
    tighten(dir, DIR);
    try (var files = Files.list(dir)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
          tighten(file, FILE);
        }
      }
    }
  }

  private static void tighten(Path path, Set<PosixFilePermission> wanted) throws IOException {
    if (!Files.getPosixFilePermissions(path).equals(wanted)) {
      try {
        Files.setPosixFilePermissions(path, wanted);
      } catch (IOException e) {
        throw new IOException(path + " is open to other users and cannot be made private ("
            + e.getMessage() + "); run chmod " + (wanted.equals(DIR) ? "700" : "600")
            + " on it as its owner", e);
      }
    }
  }
}
