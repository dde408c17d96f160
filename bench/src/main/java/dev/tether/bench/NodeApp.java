package dev.tether.bench;

import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A generated Node.js program under target/, run with its inspector on a loopback port. */
final class NodeApp implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("Debugger listening on (ws://\\S+)");

  private final String name;
  private final Process process;
  private final URI inspector;

  private NodeApp(String name, Process process, URI inspector) {
    this.name = name;
    this.process = process;
    this.inspector = inspector;
  }

  /** Starts {@code main} of {@code dir}; returns once the app printed "ready". */
  static NodeApp start(String name, Path dir, String main, Map<String, String> env, Path work)
      throws IOException {
    ProcessBuilder builder = new ProcessBuilder("node", "--inspect=127.0.0.1:0", main)
        .directory(dir.toFile());
    builder.environment().putAll(env);
    Process process = builder.start();
    var url = Processes.pump(process.getErrorStream(), work.resolve(name + ".err"), line -> {
      Matcher m = LISTENING.matcher(line);
      return m.find() ? m.group(1) : null;
    });
    var ready = Processes.pump(process.getInputStream(), work.resolve(name + ".out"),
        line -> line.contains("ready") ? line : null);
    URI inspector = URI.create(url.orTimeout(30, TimeUnit.SECONDS).join().value());
    ready.orTimeout(120, TimeUnit.SECONDS).join();
    return new NodeApp(name, process, inspector);
  }

  /** The inspector's own WebSocket, for the direct client. */
  URI inspectorUrl() {
    return inspector;
  }

  /** host:port of the inspector, for {@code tether shim --inspector}. */
  String inspectorAddress() {
    return inspector.getHost() + ":" + inspector.getPort();
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  @Override
  public void close() {
    Processes.stop(process);
  }

  /**
   * The main app: idles, keeps 8, 16 and 64 MB strings to return, and loads two large scripts
   * (5 and 20 MB of source) whose text DevTools would fetch, once from files and once from strings.
   */
  static Path writeMainApp(Path apps) throws IOException {
    Path dir = Files.createDirectories(apps.resolve("main"));
    writeScript(dir.resolve("big5.js"), 5 << 20);
    writeScript(dir.resolve("big20.js"), 20 << 20);
    Files.writeString(dir.resolve("main.js"), String.join("\n",
        "// Holding a function of each keeps V8 from collecting the scripts while no debugger is on.",
        "globalThis.keep = [require('./big5.js'), require('./big20.js')];",
        "// The same sources run from strings: no file: URL, so V8 answers their source itself.",
        "const vm = require('vm'), fs = require('fs');",
        "for (const mb of [5, 20]) {",
        "  const source = fs.readFileSync(__dirname + '/big' + mb + '.js', 'utf8');",
        "  keep.push(vm.runInThisContext(source.replace('module.exports =', ''),",
        "      { filename: 'generated/big' + mb + 'vm.js' }));",
        "}",
        "globalThis.s8 = 'x'.repeat(8 << 20);",
        "globalThis.s16 = 'y'.repeat(16 << 20);",
        "globalThis.s64 = 'z'.repeat(64 << 20);",
        "setInterval(() => {}, 1 << 30);",
        "console.log('ready');", ""));
    return dir;
  }

  /** An app that retains about {@code megabytes} of small objects, for heap snapshots. */
  static Path writeHeapApp(Path apps) throws IOException {
    Path dir = Files.createDirectories(apps.resolve("heap"));
    Files.writeString(dir.resolve("heap.js"), String.join("\n",
        "const target = Number(process.env.HEAP_MB || 50) * 1024 * 1024;",
        "globalThis.retained = [];",
        "let i = 0;",
        "while (process.memoryUsage().heapUsed < target) {",
        "  for (let k = 0; k < 10000; k++, i++) {",
        "    retained.push({ i, name: 'item-' + i, tags: ['t' + (i % 97), 'u' + i], at: i * 3 });",
        "  }",
        "}",
        "setInterval(() => {}, 1 << 30);",
        "console.log('ready objects=' + i + ' heapUsed=' + process.memoryUsage().heapUsed);", ""));
    return dir;
  }

  /** An app of {@code modules} small files, so Debugger.enable reports that many scripts. */
  static Path writeModulesApp(Path apps, int modules) throws IOException {
    Path dir = Files.createDirectories(apps.resolve("app" + modules));
    List<String> index = new ArrayList<>();
    for (int i = 0; i < modules; i++) {
      Files.writeString(dir.resolve("m" + i + ".js"),
          "'use strict';\nmodule.exports = function m" + i + "(x) {\n  return x * " + i
              + " + 1;\n};\n");
      index.add("require('./m" + i + ".js');");
    }
    index.add("setInterval(() => {}, 1 << 30);");
    index.add("console.log('ready');");
    Files.writeString(dir.resolve("index.js"), String.join("\n", index) + "\n");
    return dir;
  }

  private static void writeScript(Path file, int bytes) throws IOException {
    try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      long written = 0;
      for (int i = 0; written < bytes; i++) {
        String line = "function f" + i + "(a) { return a + " + i + "; }\n";
        out.write(line);
        written += line.length();
      }
      out.write("module.exports = f0;\n");
    }
  }
}
