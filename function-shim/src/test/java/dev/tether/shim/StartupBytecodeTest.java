package dev.tether.shim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.protocol.TunnelCodec;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The shim's and the protocol's classes are compiled without invokedynamic string concatenation:
 * on JDK 17 each new shape of {@code "a" + b} made the shim spin method-handle classes at run
 * time, on every cold start of a function (BENCHMARKS.md B8, issue 11's third round).
 */
class StartupBytecodeTest {
  private static final byte[] BOOTSTRAP =
      "java/lang/invoke/StringConcatFactory".getBytes(StandardCharsets.US_ASCII);

  @Test
  void noShimOrProtocolClassConcatenatesStringsThroughInvokedynamic() throws Exception {
    List<String> offenders = new ArrayList<>();
    int checked = 0;
    for (Class<?> anchor : List.of(Main.class, TunnelCodec.class)) {
      Path location = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
      String packageDir = anchor.getPackageName().replace('.', '/');
      if (Files.isDirectory(location)) {
        checked += scan(location.resolve(packageDir), offenders);
      } else {
        try (FileSystem jar = FileSystems.newFileSystem(URI.create("jar:" + location.toUri()), Map.of())) {
          checked += scan(jar.getPath(packageDir), offenders);
        }
      }
    }
    assertThat(checked).as("class files found").isGreaterThan(100);
    assertThat(offenders).as("classes bootstrapping StringConcatFactory").isEmpty();
  }

  private static int scan(Path root, List<String> offenders) throws Exception {
    List<Path> classes;
    try (Stream<Path> walk = Files.walk(root)) {
      classes = walk.filter(p -> p.toString().endsWith(".class")).toList();
    }
    for (Path file : classes) {
      if (contains(Files.readAllBytes(file), BOOTSTRAP)) {
        offenders.add(root.relativize(file).toString());
      }
    }
    return classes.size();
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
