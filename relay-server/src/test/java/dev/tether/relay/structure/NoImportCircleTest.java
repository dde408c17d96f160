package dev.tether.relay.structure;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No package of the house uses a package that uses it back, directly or around a circle, so each
 * can be read, tested and changed from the bottom up; and the config package stays at the bottom.
 */
class NoImportCircleTest {
  /** The main sources of every module, from relay-server's directory (where Maven runs tests). */
  private static final Path[] HOUSE = {
      Path.of("src/main/java"),
      Path.of("../protocol/src/main/java"),
      Path.of("../function-shim/src/main/java")};

  @Test
  void noPackageOfTheHouseIsPartOfAnImportCircle() {
    assertThat(Files.isDirectory(HOUSE[0])).as("run from relay-server's directory").isTrue();
    PackageGraph graph = PackageGraph.of(HOUSE);

    assertThat(graph.packages()).contains("dev.tether.relay", "dev.tether.relay.config",
        "dev.tether.protocol", "dev.tether.shim");
    assertThat(graph.circle()).as("an import circle").isEmpty();
  }

  @Test
  void theConfigPackageUsesNoOtherPartOfTheRelay() {
    PackageGraph graph = PackageGraph.of(HOUSE);

    // protocol is the module below the relay (its wire records, the snapshot deny-list's defaults)
    assertThat(graph.uses("dev.tether.relay.config"))
        .allMatch(used -> used.startsWith("dev.tether.protocol"));
  }

  @Test
  void aCircleIsFoundThroughImportsAndThroughNamesWrittenInFull(@TempDir Path dir)
      throws Exception {
    write(dir, "a/A.java", "package x.a;\nimport dev.tether.b.B;\nclass A {}\n");
    write(dir, "b/B.java", "package dev.tether.b;\nclass B { Object c = new dev.tether.c.C(); }\n");
    write(dir, "c/C.java", "package dev.tether.c;\nimport dev.tether.d.D;\nclass C {}\n");
    write(dir, "d/D.java", "package dev.tether.d;\n/** {@link dev.tether.b.B} */\nclass D {}\n");

    assertThat(PackageGraph.of(dir).circle()).contains(
        List.of("dev.tether.b", "dev.tether.c", "dev.tether.d", "dev.tether.b"));
  }

  @Test
  void aTreeOfPackagesIsNoCircle(@TempDir Path dir) throws Exception {
    write(dir, "b/B.java", "package dev.tether.b;\nimport dev.tether.c.C;\nimport dev.tether.d.D;\n");
    write(dir, "c/C.java", "package dev.tether.c;\nimport dev.tether.d.D;\nclass C {}\n");
    write(dir, "d/D.java", "package dev.tether.d;\nclass D {}\n");

    assertThat(PackageGraph.of(dir).circle()).isEmpty();
  }

  private static void write(Path dir, String name, String text) throws Exception {
    Path file = dir.resolve(name);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }
}
