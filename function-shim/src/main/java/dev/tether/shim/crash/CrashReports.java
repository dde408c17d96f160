package dev.tether.shim.crash;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The private directory (mode 700) where the wrapped Node.js writes its diagnostic report when it
 * dies of an uncaught exception or a fatal error, and the pick-up of that report once it has died.
 * Reports never stay behind: {@link #take} and {@link #close} delete what they find.
 */
public final class CrashReports implements AutoCloseable {
  /** A report larger than this on disk is not read at all (a normal one is 15-50 KB). */
  static final long MAX_FILE_BYTES = 2L * 1024 * 1024; // the shim's heap is 16 MB under the layer

  private final Path directory;

  private CrashReports(Path directory) {
    this.directory = directory;
  }

  /** A fresh private directory under the system's temporary directory. */
  public static CrashReports create() throws IOException {
    return new CrashReports(Files.createTempDirectory("tether-reports-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))));
  }

  /**
   * The directory the layer's launcher made for a function it started (pid mode), given in
   * {@code TETHER_REPORT_DIR}; null when there is none, or when it is not a directory of this user
   * that only this user can open (a report holds the environment's values).
   */
  public static CrashReports madeByLauncher(String directory) {
    if (directory == null || directory.isBlank()) {
      return null;
    }
    Path path = Path.of(directory);
    try {
      boolean ours = Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)
          && Files.getOwner(path, LinkOption.NOFOLLOW_LINKS).getName()
              .equals(System.getProperty("user.name"))
          && Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS)
              .equals(PosixFilePermissions.fromString("rwx------"));
      return ours ? new CrashReports(path) : null;
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  /** Reports written to {@code directory}, which the caller made private. */
  static CrashReports in(Path directory) {
    return new CrashReports(directory);
  }

  public Path directory() {
    return directory;
  }

  /**
   * The newest report Node wrote, condensed for the relay ({@link ReportCondenser}); empty when
   * the function did not crash (or its report is unreadable or too large). Deletes every report.
   */
  public synchronized Optional<ObjectNode> take() {
    return take(-1);
  }

  /**
   * The same, for the process {@code pid} only: NODE_OPTIONS reaches the node processes the
   * function starts too, and a child's crash is not the function's ({@code -1}: any process).
   */
  public synchronized Optional<ObjectNode> take(long pid) {
    List<Path> reports = reports();
    try {
      Optional<Path> newest = reports.stream()
          .filter(path -> pid < 0 || pidOf(path) == pid)
          .max(Comparator.comparing(path -> path.getFileName().toString()));
      if (newest.isEmpty() || Files.size(newest.get()) > MAX_FILE_BYTES) {
        return Optional.empty();
      }
      // Data binding only here, as the function dies: an idle shim does not load it.
      ObjectMapper mapper = new ObjectMapper();
      JsonNode report = mapper.readTree(newest.get().toFile());
      return report instanceof ObjectNode object
          ? Optional.of(new ReportCondenser(mapper).condense(object)) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } finally {
      reports.forEach(CrashReports::delete);
    }
  }

  /** Deletes the directory and anything left in it. Idempotent. */
  @Override
  public synchronized void close() {
    reports().forEach(CrashReports::delete);
    delete(directory);
  }

  /** Node names a report report.DATE.TIME.PID.THREAD.SEQ.json; -2 when the name is not that. */
  private static long pidOf(Path report) {
    String[] parts = report.getFileName().toString().split("\\.");
    try {
      return parts.length >= 4 ? Long.parseLong(parts[3]) : -2;
    } catch (NumberFormatException e) {
      return -2;
    }
  }

  private List<Path> reports() {
    List<Path> found = new ArrayList<>();
    if (!Files.isDirectory(directory)) {
      return found;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.json")) {
      files.forEach(found::add);
    } catch (IOException e) {
      // Gone already (closed as the function exited) or unreadable: nothing to pick up.
    }
    return found;
  }

  private static void delete(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // Left behind in a private temporary directory; nothing to do about it as the shim exits.
    }
  }
}
