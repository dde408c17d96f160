package dev.tether.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * The note a serving relay keeps in its data directory ({@code running.json}: its process, its
 * issuer and its local URL), so {@code tether token} signs as the relay that is actually running
 * and never guesses: it is written once the relay serves and removed when it stops; a note whose
 * process is gone (a killed relay) counts as no relay.
 */
public record RunningRelay(long pid, String issuer, String url) {
  public static final String FILE = "running.json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration POLL = Duration.ofMillis(100);

  /** Writes the note for this process, atomically, so a reader never sees half of it. */
  public void write(Path dataDir) throws IOException {
    Files.createDirectories(dataDir);
    Map<String, Object> note = new LinkedHashMap<>();
    note.put("pid", pid);
    note.put("issuer", issuer);
    note.put("url", url);
    Path temp = Files.createTempFile(dataDir, "running", ".tmp");
    Files.write(temp, JSON.writeValueAsBytes(note));
    try {
      Files.move(temp, dataDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, dataDir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Removes the note if it is still this relay's (another relay may have taken the directory). */
  public void remove(Path dataDir) {
    try {
      if (read(dataDir, false).filter(this::equals).isPresent()) {
        Files.deleteIfExists(dataDir.resolve(FILE));
      }
    } catch (IOException e) {
      // Best effort: a note left behind names a process that is gone, which readers ignore.
    }
  }

  /** The relay serving with this data directory right now, if any. */
  public static Optional<RunningRelay> find(Path dataDir) {
    try {
      return read(dataDir, true);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Waits up to {@code timeout} for a relay to serve with this data directory ({@code ./tether
   * relay &} followed at once by {@code ./tether token}); {@code onWait} runs once if it has to.
   */
  public static Optional<RunningRelay> await(Path dataDir, Duration timeout, Runnable onWait) {
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean told = false;
    while (true) {
      Optional<RunningRelay> found = find(dataDir);
      if (found.isPresent() || System.nanoTime() - deadline >= 0) {
        return found;
      }
      if (!told) {
        onWait.run();
        told = true;
      }
      LockSupport.parkNanos(POLL.toNanos());
    }
  }

  private static Optional<RunningRelay> read(Path dataDir, boolean aliveOnly) throws IOException {
    Path file = dataDir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    JsonNode note;
    try {
      note = JSON.readTree(file.toFile());
    } catch (IOException e) {
      return Optional.empty(); // unreadable: treated as no relay, and overwritten by the next one
    }
    if (note == null || !note.path("pid").canConvertToLong() || !note.path("issuer").isTextual()) {
      return Optional.empty();
    }
    RunningRelay relay = new RunningRelay(note.path("pid").asLong(), note.path("issuer").asText(),
        note.path("url").asText(""));
    if (aliveOnly && !ProcessHandle.of(relay.pid()).map(ProcessHandle::isAlive).orElse(false)) {
      return Optional.empty();
    }
    return Optional.of(relay);
  }
}
