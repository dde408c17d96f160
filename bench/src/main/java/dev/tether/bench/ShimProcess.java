package dev.tether.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real shim, started from its jar with the launcher's JVM flags, attached to an inspector. */
final class ShimProcess implements AutoCloseable {
  /** What {@code ./tether shim} passes to the JVM unless TETHER_SHIM_JAVA_OPTS says otherwise. */
  static final String DEFAULT_JAVA_OPTS = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1";

  private final Process process;
  private final long startedNanos;
  private final long registeredNanos;

  private ShimProcess(Process process, long startedNanos, long registeredNanos) {
    this.process = process;
    this.startedNanos = startedNanos;
    this.registeredNanos = registeredNanos;
  }

  /** Starts a shim and returns once it logged that the relay registered it. */
  static ShimProcess start(Path home, RelayProcess relay, String function, String instance,
      String inspector, Path work) throws Exception {
    return start(home, relay.agentUri(), relay.agentToken(function), function, instance,
        inspector, work);
  }

  /** Starts a shim that dials {@code agentUri} (a {@link DelayProxy}'s, say). */
  static ShimProcess start(Path home, java.net.URI agentUri, String token, String function,
      String instance, String inspector, Path work) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String opts = System.getenv().getOrDefault("TETHER_SHIM_JAVA_OPTS", DEFAULT_JAVA_OPTS);
    for (String opt : opts.trim().split("\\s+")) {
      if (!opt.isEmpty()) {
        command.add(opt);
      }
    }
    command.addAll(List.of("-jar", home.resolve("function-shim/target/tether-shim.jar").toString(),
        "--relay", agentUri.toString(), "--token", token,
        "--function", function, "--instance", instance, "--inspector", inspector));
    long started = System.nanoTime();
    Process process = Processes.start(command, work);
    Processes.pump(process.getInputStream(), work.resolve("shim-" + instance + ".out"), l -> null);
    long registered = Processes.pump(process.getErrorStream(),
            work.resolve("shim-" + instance + ".err"),
            line -> line.contains("registered function=") ? line : null)
        .orTimeout(60, TimeUnit.SECONDS).join().nanos();
    return new ShimProcess(process, started, registered);
  }

  /** From spawning the JVM to the shim's "registered" line. */
  long coldStartNanos() {
    return registeredNanos - startedNanos;
  }

  long pid() {
    return process.pid();
  }

  @Override
  public void close() {
    Processes.stop(process);
  }
}
