package dev.tether.bench;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The floor of any two-JVM-hop design on this machine (B2/B4 floor rows): a {@code JettyHop}
 * process started with the relay's JVM flags and a {@code NettyHop} process with the shim's, in
 * line between a client and the inspector, forwarding frames and nothing else.
 */
final class FloorPath implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("listening on port (\\d+)");

  private final Process jetty;
  private final Process netty;
  private final URI devtools;

  private FloorPath(Process jetty, Process netty, URI devtools) {
    this.jetty = jetty;
    this.netty = netty;
    this.devtools = devtools;
  }

  static FloorPath start(Path home, Path work, URI inspector) throws Exception {
    Path jar = home.resolve("bench/target/tether-bench.jar");
    Process jetty = Processes.start(java(jar, "TETHER_JAVA_OPTS", "", "JettyHop"), work);
    Processes.pump(jetty.getErrorStream(), work.resolve("floor-jetty.log"), line -> null);
    int port = Integer.parseInt(Processes.pump(jetty.getInputStream(),
        work.resolve("floor-jetty.out"), line -> {
          Matcher m = LISTENING.matcher(line);
          return m.find() ? m.group(1) : null;
        }).orTimeout(60, TimeUnit.SECONDS).join().value());
    List<String> command = java(jar, "TETHER_SHIM_JAVA_OPTS", ShimProcess.DEFAULT_JAVA_OPTS,
        "NettyHop");
    command.add("ws://127.0.0.1:" + port + "/agent");
    command.add(inspector.toString());
    Process netty = Processes.start(command, work);
    Processes.pump(netty.getErrorStream(), work.resolve("floor-netty.log"), line -> null);
    String mode = Processes.pump(netty.getInputStream(), work.resolve("floor-netty.out"),
        line -> line.startsWith("forwarding") ? line : null)
        .orTimeout(60, TimeUnit.SECONDS).join().value();
    Bench.log("floor: Jetty hop on port %d, Netty hop %s", port, mode);
    return new FloorPath(jetty, netty, URI.create("ws://127.0.0.1:" + port + "/devtools"));
  }

  private static List<String> java(Path jar, String optsVariable, String defaults, String main) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String opt : System.getenv().getOrDefault(optsVariable, defaults).trim().split("\\s+")) {
      if (!opt.isEmpty()) {
        command.add(opt);
      }
    }
    command.addAll(List.of("-cp", jar.toString(), "dev.tether.bench.floor." + main));
    return command;
  }

  /** Where a client connects to go through both hops. */
  URI devtools() {
    return devtools;
  }

  long jettyPid() {
    return jetty.pid();
  }

  long nettyPid() {
    return netty.pid();
  }

  @Override
  public void close() {
    Processes.stop(netty);
    Processes.stop(jetty);
  }
}
