package dev.tether.relay.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded JSON Lines store against the contract, plus what only files do: rotation, torn lines. */
class FileAuditStoreTest extends AuditStoreContract {
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();
  @TempDir Path dataDir;
  private long rotateBytes = 64L * 1024 * 1024;

  private Path dir() {
    return dataDir.resolve("audit");
  }

  @Override
  protected AuditStore newStore() {
    return new FileAuditStore(dir(), rotateBytes);
  }

  @Override
  protected AuditStore sameStorage() {
    return newStore();
  }

  /** Every stored line of every file, with the file it is in. */
  private record Line(Path file, String text) {}

  private List<Line> lines() throws Exception {
    List<Line> all = new ArrayList<>();
    for (Path file : ((FileAuditStore) store).files()) {
      for (String text : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        all.add(new Line(file, text));
      }
    }
    return all;
  }

  private void save(List<Line> lines) throws Exception {
    for (Path file : ((FileAuditStore) store).files()) {
      StringBuilder text = new StringBuilder();
      for (Line line : lines) {
        if (line.file().equals(file)) {
          text.append(line.text()).append('\n');
        }
      }
      Files.writeString(file, text.toString(), StandardCharsets.UTF_8);
    }
  }

  private int indexOf(List<Line> lines, long seq) {
    for (int i = 0; i < lines.size(); i++) {
      if (AuditRecord.parse(lines.get(i).text()).seq() == seq) {
        return i;
      }
    }
    throw new AssertionError("no record " + seq);
  }

  @Override
  protected void rewrite(long seq, UnaryOperator<String> edit) throws Exception {
    List<Line> lines = lines();
    int i = indexOf(lines, seq);
    lines.set(i, new Line(lines.get(i).file(), edit.apply(lines.get(i).text())));
    save(lines);
  }

  @Override
  protected void delete(long seq) throws Exception {
    List<Line> lines = lines();
    lines.remove(indexOf(lines, seq));
    save(lines);
  }

  @Override
  protected void swap(long a, long b) throws Exception {
    List<Line> lines = lines();
    int i = indexOf(lines, a);
    int j = indexOf(lines, b);
    Line first = lines.get(i);
    lines.set(i, new Line(first.file(), lines.get(j).text()));
    lines.set(j, new Line(lines.get(j).file(), first.text()));
    save(lines);
  }

  @Override
  protected void insertAfter(long seq, String line) throws Exception {
    List<Line> lines = lines();
    int i = indexOf(lines, seq);
    lines.add(i + 1, new Line(lines.get(i).file(), line));
    save(lines);
  }

  @Override
  protected void truncateAfter(long seq) throws Exception {
    List<Line> lines = lines();
    save(new ArrayList<>(lines.subList(0, indexOf(lines, seq) + 1)));
  }

  @Override
  protected void replaceTrail(List<String> forged) throws Exception {
    List<Path> files = ((FileAuditStore) store).files();
    for (Path file : files.subList(1, files.size())) {
      Files.delete(file);
    }
    Files.writeString(files.get(0), String.join("\n", forged) + "\n", StandardCharsets.UTF_8);
  }

  @Override
  protected void forgeHead(long seq, String hash) throws Exception {
    Path head = dir().resolve("head.json");
    com.fasterxml.jackson.databind.node.ObjectNode node =
        (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(head.toFile());
    node.put("seq", seq).put("hash", hash);
    Files.writeString(head, JSON.writeValueAsString(node) + "\n");
  }

  @Override
  protected void replaceSeals(List<AuditSeal> seals, AuditSeal head) throws Exception {
    for (Path file : ((FileAuditStore) store).sealFiles()) {
      Files.delete(file);
    }
    if (!seals.isEmpty()) {
      StringBuilder text = new StringBuilder();
      seals.forEach(seal -> text.append(seal.jws()).append('\n'));
      Files.writeString(dir().resolve("audit-000001.seals"), text);
    }
    Path file = dir().resolve("head.json");
    if (head == null) {
      Files.writeString(file, "{\"seq\":" + written.size() + ",\"hash\":\"x\"}\n");
    } else {
      Files.writeString(file, JSON.writeValueAsString(java.util.Map.of("seq", head.seq(),
          "hash", head.hash(), "seal", head.jws())));
    }
  }

  @Test
  void aRecordCutInHalfIsNamed() throws Exception {
    append(4);
    Path file = ((FileAuditStore) store).files().get(0);
    String text = Files.readString(file);

    Files.writeString(file, text.substring(0, text.length() - 40));

    ChainVerifier.Report report = store.verify(keys.verifier());
    assertThat(report.problem()).hasValueSatisfying(p -> {
      assertThat(p.seq()).isEqualTo(4);
      assertThat(p.message()).contains("audit-000001.jsonl line 4", "not a valid audit record");
    });
  }

  @Test
  void aStoreWhoseLastLineIsTornRefusesToOpenAndSaysWhatToDo() throws Exception {
    append(2);
    store.close();
    Path file = ((FileAuditStore) store).files().get(0);
    Files.writeString(file, Files.readString(file) + "{\"seq\":3,\"ti");

    FileAuditStore again = new FileAuditStore(dir(), rotateBytes);

    org.assertj.core.api.Assertions.assertThatThrownBy(again::open)
        .hasMessageContaining("torn record").hasMessageContaining("tether audit verify");
  }

  @Test
  void filesRotateBySizeAndTheChainRunsAcrossThem() throws Exception {
    store.close();
    rotateBytes = 1024;
    store = newStore();
    store.open();

    for (int i = 0; i < 20; i++) {
      append(2);
    }

    List<Path> files = ((FileAuditStore) store).files();
    assertThat(files).hasSizeGreaterThan(3);
    for (Path file : files.subList(0, files.size() - 1)) {
      assertThat(Files.size(file)).isLessThanOrEqualTo(1024 + 1024);
    }
    List<String> second = Files.readAllLines(files.get(1));
    List<String> firstFile = Files.readAllLines(files.get(0));
    assertThat(AuditRecord.parse(second.get(0)).prev())
        .isEqualTo(AuditRecord.parse(firstFile.get(firstFile.size() - 1)).hash());
    assertThat(store.verify(keys.verifier()).records()).isEqualTo(40);
    assertThat(store.query(AuditQuery.latest(3)).records()).extracting(AuditRecord::seq)
        .containsExactly(40L, 39L, 38L);
  }

  @Test
  void aRotatedFileRemovedFromTheMiddleIsNamed() throws Exception {
    store.close();
    rotateBytes = 1024;
    store = newStore();
    store.open();
    for (int i = 0; i < 20; i++) {
      append(2);
    }
    List<Path> files = ((FileAuditStore) store).files();
    long firstOfThird = AuditRecord.parse(Files.readAllLines(files.get(2)).get(0)).seq();

    Files.delete(files.get(1));

    ChainVerifier.Report report = store.verify(keys.verifier());
    assertThat(report.problem()).hasValueSatisfying(p -> {
      assertThat(p.seq()).isEqualTo(firstOfThird);
      assertThat(p.message()).contains(files.get(2).getFileName() + " line 1", "missing");
    });
  }

  @Test
  void eachRotatedFileEndsWithTheSealOfItsFinalHash() throws Exception {
    store.close();
    rotateBytes = 1024;
    store = newStore();
    store.open();
    for (int i = 0; i < 10; i++) {
      append(2);
    }
    List<Path> files = ((FileAuditStore) store).files();
    List<Path> seals = ((FileAuditStore) store).sealFiles();
    assertThat(files).hasSizeGreaterThan(2);
    assertThat(seals).hasSameSizeAs(files);

    for (int i = 0; i < files.size() - 1; i++) {
      List<String> records = Files.readAllLines(files.get(i));
      AuditRecord finalRecord = AuditRecord.parse(records.get(records.size() - 1));
      List<String> sealLines = Files.readAllLines(seals.get(i));
      AuditSeal finalSeal = keys.verifier().read(sealLines.get(sealLines.size() - 1));

      assertThat(seals.get(i).getFileName().toString())
          .isEqualTo(files.get(i).getFileName().toString().replace(".jsonl", ".seals"));
      assertThat(finalSeal.seq()).isEqualTo(finalRecord.seq());
      assertThat(finalSeal.hash()).isEqualTo(finalRecord.hash());
    }
  }

  @Test
  void theTrailItsSealsAndHeadAreReadableByTheOwnerOnly() throws Exception {
    assumePosix();
    append(4);

    assertThat(mode(dir())).isEqualTo("rwx------");
    try (var listing = Files.list(dir())) {
      assertThat(listing.map(p -> p.getFileName() + " " + mode(p)))
          .containsExactlyInAnyOrder("audit-000001.jsonl rw-------", "audit-000001.seals rw-------",
              "head.json rw-------");
    }
  }

  @Test
  void modesLeftOpenByAnOlderVersionAreTightenedWhenTheStoreOpens() throws Exception {
    assumePosix();
    append(4);
    store.close();
    Files.setPosixFilePermissions(dir(), PosixFilePermissions.fromString("rwxr-xr-x"));
    try (var listing = Files.list(dir())) {
      for (Path file : (Iterable<Path>) listing::iterator) {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
      }
    }

    store = sameStorage();
    store.open();

    assertThat(mode(dir())).isEqualTo("rwx------");
    try (var listing = Files.list(dir())) {
      assertThat(listing.map(FileAuditStoreTest::mode)).hasSize(3).containsOnly("rw-------");
    }
  }

  private static void assumePosix() {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix"),
        "file modes need a POSIX file system");
  }

  private static String mode(Path path) {
    try {
      return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
