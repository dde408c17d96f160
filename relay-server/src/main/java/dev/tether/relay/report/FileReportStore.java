package dev.tether.relay.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Crash reports as files: {@code <dir>/<function>/<id>.json}, written to a temporary file and
 * moved into place so a reader never sees half a report. Function names and ids are checked
 * before they get here, so neither can leave the directory.
 */
public final class FileReportStore implements ReportStore {
  private static final Logger LOG = LoggerFactory.getLogger(FileReportStore.class);

  private final Path directory;

  public FileReportStore(Path directory) {
    this.directory = directory;
  }

  @Override
  public synchronized void add(CrashReport report) {
    Path folder = directory.resolve(report.function());
    try {
      Files.createDirectories(folder);
      Path temporary = Files.createTempFile(folder, ".incoming-", ".tmp");
      Files.writeString(temporary, StoredReports.write(report), StandardCharsets.UTF_8);
      Files.move(temporary, folder.resolve(report.id() + ".json"),
          StandardCopyOption.ATOMIC_MOVE);
      List<Path> files = files(folder);
      for (int i = MAX_PER_FUNCTION; i < files.size(); i++) {
        Files.deleteIfExists(files.get(i));
      }
    } catch (IOException e) {
      throw new ReportStoreException("cannot write a crash report under " + folder, e);
    }
  }

  @Override
  public List<CrashReport> list(String function) {
    List<CrashReport> reports = new ArrayList<>();
    for (Path file : files(directory.resolve(function))) {
      read(file).ifPresent(reports::add);
    }
    return reports;
  }

  @Override
  public Optional<CrashReport> find(String function, String id) {
    Path file = directory.resolve(function).resolve(id + ".json");
    return Files.isRegularFile(file) ? read(file) : Optional.empty();
  }

  @Override
  public Map<String, CrashReport> latest() {
    Map<String, CrashReport> latest = new TreeMap<>();
    if (!Files.isDirectory(directory)) {
      return latest;
    }
    try (DirectoryStream<Path> folders = Files.newDirectoryStream(directory, Files::isDirectory)) {
      for (Path folder : folders) {
        List<Path> files = files(folder);
        if (!files.isEmpty()) {
          read(files.get(0)).ifPresent(report -> latest.put(report.function(), report));
        }
      }
    } catch (IOException e) {
      throw new ReportStoreException("cannot list crash reports in " + directory, e);
    }
    return latest;
  }

  /** The report files of one function, newest first (ids sort by arrival). */
  private static List<Path> files(Path folder) {
    List<Path> files = new ArrayList<>();
    if (!Files.isDirectory(folder)) {
      return files;
    }
    try (DirectoryStream<Path> found = Files.newDirectoryStream(folder, "r-*.json")) {
      found.forEach(files::add);
    } catch (IOException e) {
      throw new ReportStoreException("cannot list crash reports in " + folder, e);
    }
    files.sort(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed());
    return files;
  }

  private static Optional<CrashReport> read(Path file) {
    try {
      return Optional.of(StoredReports.read(Files.readString(file, StandardCharsets.UTF_8)));
    } catch (JsonProcessingException | RuntimeException e) {
      LOG.warn("skipped an unreadable crash report file={}", file);
      return Optional.empty();
    } catch (IOException e) {
      throw new ReportStoreException("cannot read " + file, e);
    }
  }
}
