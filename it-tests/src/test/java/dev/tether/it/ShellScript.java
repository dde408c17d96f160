package dev.tether.it;

import dev.tether.testkit.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Commands a person pastes into a terminal, run by bash in a scratch directory that looks like the
 * repository root to them ({@code ./tether} and {@code examples/}) but keeps its own
 * {@code .tether/} data: the README's and the pages' commands exactly as printed. The script and
 * everything it left running in the background form one process group, ended on close.
 */
final class ShellScript implements AutoCloseable {
  private final Path dir;
  private final Process bash;
  private final boolean ownsDir;
  private final String name;

  private ShellScript(Path dir, Process bash, boolean ownsDir, String name) {
    this.dir = dir;
    this.bash = bash;
    this.ownsDir = ownsDir;
    this.name = name;
  }

  /** A scratch "repository root": {@code ./tether} runs the real launcher, on the built jars. */
  private static Path scratchRoot() throws IOException {
    Path dir = Files.createTempDirectory("tether-shell-");
    Path launcher = dir.resolve("tether");
    Files.writeString(launcher, "#!/usr/bin/env bash\nexec " + TetherStack.ROOT.resolve("tether")
        + " \"$@\"\n");
    Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.createSymbolicLink(dir.resolve("examples"), TetherStack.ROOT.resolve("examples"));
    return dir;
  }

  /** Starts {@code script} with {@code bash -e} in a scratch root, in a process group of its own. */
  static ShellScript start(String script) throws IOException {
    return start(scratchRoot(), "script", script, true);
  }

  /** Starts another script in the same directory, as in a second terminal (it sees the same .tether/). */
  ShellScript beside(String script) throws IOException {
    return start(dir, "script" + System.nanoTime(), script, false);
  }

  private static ShellScript start(Path dir, String name, String script, boolean ownsDir)
      throws IOException {
    Files.writeString(dir.resolve(name + ".sh"), script);
    Process bash = new ProcessBuilder("setsid", "bash", "-e", name + ".sh")
        .directory(dir.toFile())
        .redirectOutput(dir.resolve(name + ".out").toFile())
        .redirectError(dir.resolve(name + ".err").toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .start();
    return new ShellScript(dir, bash, ownsDir, name);
  }

  /** Waits for the script itself (not what it left in the background) to finish; its exit status. */
  int await(Duration timeout) throws InterruptedException {
    if (!bash.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("the script did not finish within " + timeout.toSeconds()
          + "s\nstdout:\n" + stdout() + "\nstderr:\n" + stderr());
    }
    return bash.exitValue();
  }

  /** The bash running the script; what it started are its descendants. */
  ProcessHandle process() {
    return bash.toHandle();
  }

  String stdout() {
    return read(name + ".out");
  }

  String stderr() {
    return read(name + ".err");
  }

  private String read(String file) {
    try {
      return Files.readString(dir.resolve(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Ends the script's process group (relay, shim, node started with {@code &}): TERM, then KILL. */
  @Override
  public void close() throws Exception {
    String group = "-" + bash.pid();
    new ProcessBuilder("kill", "-TERM", "--", group).start().waitFor();
    try {
      Poll.until(Duration.ofSeconds(10), "the script's processes to stop", () -> !groupAlive(group));
    } catch (AssertionError stillThere) {
      // KILL below
    }
    new ProcessBuilder("kill", "-KILL", "--", group).redirectErrorStream(true).start().waitFor();
    if (!ownsDir) {
      return;
    }
    try (var files = Files.walk(dir)) { // the link to examples/ goes, not what it points to
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static boolean groupAlive(String group) {
    try {
      return new ProcessBuilder("kill", "-0", "--", group).redirectErrorStream(true).start()
          .waitFor() == 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
