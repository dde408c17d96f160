package dev.tether.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * The image of a "function instance", built locally from files of this machine, since nothing can
 * be pulled: {@code FROM scratch} with Node.js (the host's {@code node} and the shared libraries
 * {@code ldd} names for it), {@code /bin/sh}, the sample function in {@code /var/task}, and the
 * shim layer unzipped at {@code /opt/tether}. No JDK: the layer brings its own runtime.
 */
final class FunctionImage {
  // One tag per test JVM: several engineers' (or CI's) runs build this image on one Docker engine
  // at once, and a fixed tag let one run remove or rebuild the image another was starting.
  static final String TAG = "tether-function-it:" + ProcessHandle.current().pid() + "-"
      + Long.toHexString(System.nanoTime());
  static final String LAYER_DIR = "/opt/tether";
  // Issue 11's size. Node alone could not send a 10 MB source back in 128 MB (its inspector holds
  // about twelve copies of it, 127 MB); the shim serves a large file script's source from the
  // file instead (ScriptSources), so node never builds that reply (BENCHMARKS.md).
  static final int BUNDLE_BYTES = 10 * 1024 * 1024;
  private static final Pattern LIBRARY = Pattern.compile("(?:=>\\s*)?(/\\S+)\\s+\\(0x");

  private FunctionImage() {}

  /** Builds the image (once per test class) and returns its tag. */
  static String build(Path layerZip) throws Exception {
    if (!Files.isRegularFile(layerZip)) {
      throw new IllegalStateException(
          "no shim layer at " + layerZip + "; build function-shim first (mvn -pl it-tests -am verify)");
    }
    Path context = Files.createTempDirectory("tether-function-image-");
    Path rootfs = context.resolve("rootfs");
    unzip(layerZip, rootfs.resolve(LAYER_DIR.substring(1)));
    Path node = Path.of(which("node"));
    Path layer = rootfs.resolve(LAYER_DIR.substring(1));
    Set<Path> binaries = new LinkedHashSet<>();
    binaries.add(node);
    binaries.add(Path.of("/bin/sh").toRealPath());
    binaries.add(layer.resolve("runtime/bin/java"));
    try (Stream<Path> libs = Files.walk(layer.resolve("runtime/lib"))) {
      libs.filter(p -> p.toString().endsWith(".so")).forEach(binaries::add);
    }
    // Netty's epoll library sits beside the jar in the layer (found through java.library.path).
    binaries.add(layer.resolve("lib/libnetty_transport_native_epoll_x86_64.so"));
    copy(node, rootfs.resolve("usr/bin/node"));
    copy(Path.of("/bin/sh").toRealPath(), rootfs.resolve("bin/sh"));
    for (Path library : sharedLibraries(binaries)) {
      copy(library, rootfs.resolve(library.toString().substring(1)));
    }
    Path task = rootfs.resolve("var/task");
    copy(TetherStack.ROOT.resolve("examples/orders/server.js"), task.resolve("server.js"));
    copy(TetherStack.ROOT.resolve("examples/orders/handler.js"), task.resolve("handler.js"));
    copy(TetherStack.ROOT.resolve("it-tests/src/test/resources/crash/crash-function.js"),
        task.resolve("crash-function.js"));
    // A large module, as a bundle would be, for the 128 MB test to load and read back.
    Files.writeString(task.resolve("bundle.js"),
        "/*" + "x".repeat(BUNDLE_BYTES) + "*/\nmodule.exports = 'bundle';\n");
    Path tmp = Files.createDirectories(rootfs.resolve("tmp"));
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
    Files.writeString(context.resolve("Dockerfile"), String.join("\n",
        "FROM scratch",
        "COPY rootfs/ /",
        "ENV PATH=" + LAYER_DIR + "/bin:/usr/bin:/bin",
        "ENV LD_LIBRARY_PATH=/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu",
        "WORKDIR /var/task",
        ""), StandardCharsets.UTF_8);
    new ImageFromDockerfile(TAG, false).withFileFromPath(".", context).get(5, TimeUnit.MINUTES);
    deleteTree(context);
    return TAG;
  }

  static void remove() {
    try {
      DockerClientFactory.instance().client().removeImageCmd(TAG).withForce(true).exec();
    } catch (RuntimeException e) {
      // gone already
    }
  }

  /** Every shared library the binaries need, as ldd resolves them on this machine. */
  private static Set<Path> sharedLibraries(Set<Path> binaries) throws Exception {
    Set<Path> libraries = new LinkedHashSet<>();
    for (Path binary : binaries) {
      Process ldd = new ProcessBuilder("ldd", binary.toString()).redirectErrorStream(true).start();
      String out = new String(ldd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      ldd.waitFor(30, TimeUnit.SECONDS);
      for (String line : out.split("\n")) {
        Matcher m = LIBRARY.matcher(line.trim());
        if (m.find() && !m.group(1).startsWith(binary.getParent().toString())
            && !m.group(1).contains("/runtime/")) {
          libraries.add(Path.of(m.group(1)));
        }
      }
    }
    return libraries;
  }

  private static void unzip(Path zip, Path into) throws IOException {
    try (ZipFile file = new ZipFile(zip.toFile())) {
      Enumeration<ZipArchiveEntry> entries = file.getEntries();
      while (entries.hasMoreElements()) {
        ZipArchiveEntry entry = entries.nextElement();
        Path target = into.resolve(entry.getName()).normalize();
        if (!target.startsWith(into)) {
          throw new IOException("zip entry outside the layer: " + entry.getName());
        }
        if (entry.isDirectory()) {
          Files.createDirectories(target);
          continue;
        }
        Files.createDirectories(target.getParent());
        try (InputStream in = file.getInputStream(entry)) {
          Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        if (entry.getLastModifiedTime() != null) {
          Files.setLastModifiedTime(target, entry.getLastModifiedTime());
        }
        int mode = entry.getUnixMode() & 0777;
        if (mode != 0) {
          Files.setPosixFilePermissions(target, permissions(mode));
        }
      }
    }
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    StringBuilder text = new StringBuilder();
    String rwx = "rwx";
    for (int bit = 8; bit >= 0; bit--) {
      text.append((mode & (1 << bit)) != 0 ? rwx.charAt((8 - bit) % 3) : '-');
    }
    return PosixFilePermissions.fromString(text.toString());
  }

  private static void copy(Path from, Path to) throws IOException {
    Files.createDirectories(to.getParent());
    Files.copy(from.toRealPath(), to, StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.COPY_ATTRIBUTES);
  }

  private static String which(String program) throws IOException {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      Path candidate = Path.of(dir, program);
      if (Files.isExecutable(candidate)) {
        return candidate.toRealPath().toString();
      }
    }
    throw new IOException(program + " is not on the PATH");
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> files = Files.walk(root)) {
      List<Path> all = new ArrayList<>(files.toList());
      java.util.Collections.reverse(all);
      for (Path p : all) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

}
