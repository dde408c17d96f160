package dev.tether.relay.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded store: JSON Lines under {@code <dataDir>/audit/}, one record a line, in files
 * {@code audit-000001.jsonl}, {@code audit-000002.jsonl}, … rotated when the next batch would take
 * a file past the rotation size. The chain runs across files: the first record of a file links to
 * the last of the one before.
 *
 * <p>Fsync policy: each batch the writer hands over is written and then forced to disk
 * ({@code FileChannel.force}) before {@link #append} returns — group commit. A power cut loses at
 * most the batch being written; a clean shutdown loses nothing. After the force, {@code head.json}
 * (the last seq and hash) is replaced atomically; it is how {@code verify} notices records cut off
 * the end.
 *
 * <p>Each batch's seal (the relay's signature over its last record) is appended to the file's
 * {@code audit-000001.seals} and becomes {@code head.json}, so a rotated file ends with the seal
 * of its final hash. Files are 0600 and the directory 0700, tightened on open.
 */
public final class FileAuditStore implements AuditStore {
  private static final Pattern NAME = Pattern.compile("audit-(\\d{6})\\.jsonl");
  private static final Pattern SEALS = Pattern.compile("audit-(\\d{6})\\.seals");
  static final String HEAD = "head.json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger LOG = LoggerFactory.getLogger(FileAuditStore.class);
  private static final int TAIL_BYTES = 512 * 1024;

  private final Path dir;
  private final long rotateBytes;
  private FileChannel current;
  private FileChannel currentSeals;
  private int currentIndex;

  public FileAuditStore(Path dir, long rotateBytes) {
    this.dir = dir;
    this.rotateBytes = rotateBytes;
  }

  /** The files of the trail in chain order. */
  public List<Path> files() throws IOException {
    return list(NAME);
  }

  /** The seal files, in chain order; a file's seals may outlive it. */
  public List<Path> sealFiles() throws IOException {
    return list(SEALS);
  }

  private List<Path> list(Pattern name) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> list = Files.list(dir)) {
      return list.filter(p -> name.matcher(p.getFileName().toString()).matches()).sorted().toList();
    }
  }

  @Override
  public synchronized void open() throws IOException {
    if (current != null && current.isOpen()) {
      return;
    }
    OwnerOnly.directory(dir);
    List<Path> files = files();
    currentIndex = files.isEmpty() ? 1 : index(files.get(files.size() - 1));
    Path path = file(currentIndex);
    if (Files.exists(path) && Files.size(path) > 0) {
      try (FileChannel read = FileChannel.open(path, StandardOpenOption.READ)) {
        ByteBuffer last = ByteBuffer.allocate(1);
        read.read(last, read.size() - 1);
        if (last.get(0) != '\n') {
          throw new IOException("the audit file " + path + " ends in a torn record (the relay"
              + " stopped mid-write); run `tether audit verify`, then move the file aside so a"
              + " new one starts");
        }
      }
    }
    openChannels(StandardOpenOption.CREATE);
  }

  private void openChannels(StandardOpenOption create) throws IOException {
    current = FileChannel.open(file(currentIndex), Set.of(create, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND), OwnerOnly.file());
    currentSeals = FileChannel.open(seals(currentIndex), Set.of(StandardOpenOption.CREATE,
        StandardOpenOption.WRITE, StandardOpenOption.APPEND), OwnerOnly.file());
  }

  @Override
  public synchronized Optional<AuditRecord> last() throws IOException {
    List<Path> files = files();
    for (int i = files.size() - 1; i >= 0; i--) {
      Optional<String> line = lastLine(files.get(i));
      if (line.isPresent()) {
        return Optional.of(AuditRecord.parse(line.get()));
      }
    }
    return Optional.empty();
  }

  @Override
  public synchronized void append(List<AuditRecord> records, AuditSeal seal)
      throws IOException {
    if (records.isEmpty()) {
      return;
    }
    open();
    StringBuilder text = new StringBuilder();
    for (AuditRecord record : records) {
      text.append(record.line()).append('\n');
    }
    ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
    if (current.size() > 0 && current.size() + bytes.remaining() > rotateBytes) {
      rotate();
    }
    long before = current.size();
    try {
      while (bytes.hasRemaining()) {
        current.write(bytes);
      }
      current.force(false);
    } catch (IOException e) {
      try {
        current.truncate(before); // never leave half a batch behind
      } catch (IOException ignored) {
        // the torn tail is reported by open() and verify
      }
      throw e;
    }
    // The records are durable now: a seal that cannot be written must not make the writer
    // append them again. The next batch's seal covers them; until then verify reports them.
    // The seal is not forced either: a power cut that loses it leaves the batch unsigned, which
    // the relay records when it starts again (see AuditLog).
    try {
      ByteBuffer sealLine = ByteBuffer.wrap((seal.jws() + "\n").getBytes(StandardCharsets.UTF_8));
      while (sealLine.hasRemaining()) {
        currentSeals.write(sealLine);
      }
      writeHead(seal);
    } catch (IOException e) {
      LOG.warn("audit seal not written seq={} dir={} cause=\"{}\"; the next batch's seal covers"
          + " the records", seal.seq(), dir, e.getMessage());
    }
  }

  /** Where the head is kept. */
  Path headFile() {
    return dir.resolve(HEAD);
  }

  @Override
  public Optional<String> head() throws IOException {
    Path head = headFile();
    if (!Files.exists(head)) {
      return Optional.empty();
    }
    String text = Files.readString(head, StandardCharsets.UTF_8);
    try {
      JsonNode seal = JSON.readTree(text).path("seal");
      return seal.isTextual() ? Optional.of(seal.asText()) : Optional.empty();
    } catch (IOException e) {
      return Optional.of(text); // not JSON: verify says it is no seal
    }
  }

  @Override
  public AuditQuery.Page query(AuditQuery query) throws IOException {
    List<AuditRecord> found = new ArrayList<>();
    List<Path> files = files();
    for (int i = files.size() - 1; i >= 0 && found.size() <= query.limit(); i--) {
      List<String> lines = Files.readAllLines(files.get(i), StandardCharsets.UTF_8);
      for (int l = lines.size() - 1; l >= 0 && found.size() <= query.limit(); l--) {
        AuditRecord record;
        try {
          record = AuditRecord.parse(lines.get(l));
        } catch (IllegalArgumentException e) {
          continue; // a line being written right now, or a broken one verify reports
        }
        if (query.matches(record)) {
          found.add(record);
        }
      }
    }
    return AuditStores.page(found, query.limit());
  }

  @Override
  public ChainVerifier.Report verify(SealVerifier keys) throws IOException {
    return new FileTrailCheck(this, keys).run();
  }

  @Override
  public String describe() {
    return "files in " + dir.toAbsolutePath();
  }

  @Override
  public synchronized void close() {
    if (currentSeals != null) {
      try {
        currentSeals.close();
      } catch (IOException e) {
        // a lost seal is reported by verify
      }
      currentSeals = null;
    }
    if (current != null) {
      try {
        current.force(false);
        current.close();
      } catch (IOException e) {
        // nothing more to do; verify reports what is on disk
      }
      current = null;
    }
  }

  private void writeHead(AuditSeal seal) throws IOException {
    Map<String, Object> head = new LinkedHashMap<>();
    head.put("seq", seal.seq()); // for people: verify reads only the signed seal
    head.put("hash", seal.hash());
    head.put("signedAt", seal.signedAt().toString());
    head.put("seal", seal.jws());
    Path tmp = dir.resolve(HEAD + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, OwnerOnly.file());
    Files.writeString(tmp, JSON.writeValueAsString(head) + "\n");
    Files.move(tmp, dir.resolve(HEAD), StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  private void rotate() throws IOException {
    current.force(false);
    current.close();
    currentSeals.force(false); // its last line seals the file's final hash
    currentSeals.close();
    currentIndex++;
    openChannels(StandardOpenOption.CREATE_NEW);
  }

  private Path file(int index) {
    return dir.resolve(String.format("audit-%06d.jsonl", index));
  }

  private Path seals(int index) {
    return dir.resolve(String.format("audit-%06d.seals", index));
  }

  private static int index(Path file) {
    Matcher m = NAME.matcher(file.getFileName().toString());
    if (!m.matches()) {
      throw new IllegalArgumentException(file + " is not an audit file");
    }
    return Integer.parseInt(m.group(1));
  }

  private static Optional<String> lastLine(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size == 0) {
        return Optional.empty();
      }
      int length = (int) Math.min(size, TAIL_BYTES);
      ByteBuffer tail = ByteBuffer.allocate(length);
      channel.read(tail, size - length);
      String text = new String(tail.array(), 0, tail.position(), StandardCharsets.UTF_8);
      String[] lines = text.split("\n");
      return Optional.of(lines[lines.length - 1]);
    }
  }
}
