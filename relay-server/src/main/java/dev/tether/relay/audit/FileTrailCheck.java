package dev.tether.relay.audit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code verify} of the file store: reads the seals, walks the trail's lines and checks them
 * against the head, while a running relay may go on writing. Only whole lines are read, and a
 * line still being written is read again once it is whole; the head is read after the walk, and
 * the walk then goes on to the record it names and no further. A head behind the trail, or a
 * line that stays cut short, is given a moment (the relay seals right after its fsync) before the
 * verifier judges it.
 */
final class FileTrailCheck {
  private static final long POLL_MILLIS = 100;
  private static final Duration MAX_WAIT = Duration.ofSeconds(2);

  private final FileAuditStore store;
  private final ChainVerifier verifier;
  private final Map<Path, Place> read = new HashMap<>();
  private Cut cut; // a last line without its newline, where the walk stopped

  /** How far a file was read: the byte after the last whole line, and that line's number. */
  private record Place(long offset, int line) {}

  /** A line that has no newline yet. */
  private record Cut(String location, String text) {}

  FileTrailCheck(FileAuditStore store, SealVerifier keys) {
    this.store = store;
    this.verifier = new ChainVerifier(keys);
  }

  ChainVerifier.Report run() throws IOException {
    for (Path file : store.sealFiles()) {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      for (int i = 0; i < lines.size(); i++) {
        if (!lines.get(i).isBlank()) {
          verifier.seal(file.getFileName() + " line " + (i + 1), lines.get(i));
        }
      }
    }
    if (!walk(Long.MAX_VALUE)) {
      return verifier.finish();
    }
    for (long waited = 0; ; waited += POLL_MILLIS) {
      verifier.head(FileAuditStore.HEAD, store.head());
      long head = verifier.headSeq();
      if (head > verifier.lastSeq() && !walk(head)) { // on to the head's record, no further
        return verifier.finish();
      }
      if (cut == null && Math.max(head, 0) >= verifier.lastSeq()) {
        break; // the head is reached, or the records it names are not there: judge
      }
      // The head is behind the trail, or a line is cut short: a running relay between a write
      // and its seal, or mid-write, moves on within moments. A head that is there but not the
      // relay's will not; nor will a trail someone changed. Then it is judged as it is.
      boolean mayMove = head >= 0 || !Files.exists(store.headFile());
      if (!mayMove || waited >= MAX_WAIT.toMillis() || !pause()) {
        if (cut != null) {
          verifier.accept(cut.location(), cut.text());
        }
        break;
      }
    }
    return verifier.finish();
  }

  /**
   * Feeds the whole lines not read yet to the verifier, up to the record {@code upTo}; false
   * once it found a problem.
   */
  private boolean walk(long upTo) throws IOException {
    cut = null;
    for (Path file : store.files()) {
      if (verifier.lastSeq() >= upTo) {
        return true;
      }
      Place at = read.getOrDefault(file, new Place(0, 0));
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
        if (channel.size() <= at.offset()) {
          continue;
        }
        channel.position(at.offset());
        InputStream in = new BufferedInputStream(Channels.newInputStream(channel), 64 * 1024);
        ByteArrayOutputStream line = new ByteArrayOutputStream(512);
        long offset = at.offset();
        int number = at.line();
        int b;
        while (verifier.lastSeq() < upTo && (b = in.read()) >= 0) {
          if (b != '\n') {
            line.write(b);
            continue;
          }
          offset += line.size() + 1;
          number++;
          read.put(file, new Place(offset, number));
          String text = line.toString(StandardCharsets.UTF_8);
          line.reset();
          if (!verifier.accept(file.getFileName() + " line " + number, text)) {
            return false;
          }
        }
        if (line.size() > 0) {
          cut = new Cut(file.getFileName() + " line " + (number + 1),
              line.toString(StandardCharsets.UTF_8));
        }
      }
    }
    return true;
  }

  private static boolean pause() {
    try {
      Thread.sleep(POLL_MILLIS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
