package dev.tether.relay.audit;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code verify} of the file store: reads the seals, walks the trail's lines and checks the
 * head, while a running relay may go on writing. The head may then name records written after
 * the walk passed (read on), or the walk may hold a batch whose seal is not written yet (wait a
 * little for it); anything else is the verifier's to judge.
 */
final class FileTrailCheck {
  private static final int HEAD_POLLS = 20;
  private static final long HEAD_POLL_MILLIS = 100;

  private final FileAuditStore store;
  private final ChainVerifier verifier;
  private final Map<Path, Integer> linesRead = new HashMap<>();

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
    if (!walk()) {
      return verifier.finish();
    }
    verifier.head(FileAuditStore.HEAD, store.head());
    for (int i = 0; i < HEAD_POLLS; i++) {
      long walked = verifier.lastSeq();
      if (verifier.headSeq() > walked) {
        if (!walk()) {
          return verifier.finish();
        }
        if (verifier.lastSeq() == walked) {
          break; // nothing more came: the records the head names are gone
        }
      } else if (verifier.headSeq() >= 0 && verifier.headSeq() < walked) {
        if (!pause()) {
          break;
        }
      } else {
        break;
      }
      verifier.head(FileAuditStore.HEAD, store.head());
    }
    return verifier.finish();
  }

  /** Feeds the lines not read yet to the verifier; false once it found a problem. */
  private boolean walk() throws IOException {
    for (Path file : store.files()) {
      int skip = linesRead.getOrDefault(file, 0);
      try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        String line;
        int number = 0;
        while ((line = reader.readLine()) != null) {
          number++;
          if (number <= skip) {
            continue;
          }
          linesRead.put(file, number);
          if (!verifier.accept(file.getFileName() + " line " + number, line)) {
            return false;
          }
        }
      }
    }
    return true;
  }

  private static boolean pause() {
    try {
      Thread.sleep(HEAD_POLL_MILLIS); // the relay writes a batch's seal right after its fsync
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
