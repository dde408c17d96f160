package dev.tether.shim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.TunnelMessage;
import dev.tether.shim.crash.CrashReports;
import dev.tether.shim.inspector.InspectorDirectory;
import dev.tether.shim.process.DebuggerGate;
import dev.tether.shim.process.NodeCommand;
import dev.tether.shim.process.OnDemandInspector;
import dev.tether.shim.inspector.InspectorSnapshot;
import java.net.URI;
import java.util.function.Supplier;
import dev.tether.shim.process.NodeProcess;
import dev.tether.shim.snapshot.SnapshotAgent;
import dev.tether.shim.stream.Streams;
import dev.tether.shim.transport.Transport;
import dev.tether.shim.tunnel.TunnelClient;
import dev.tether.shim.tunnel.TunnelConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running shim: the wrapped Node.js process (wrap mode) or a running inspector (attach mode),
 * tethered to the relay. Usable in-process:
 *
 * <pre>{@code
 * try (Shim shim = Shim.start(ShimConfig.wrap(relay, token, "orders", List.of("node", "server.js")))) {
 *   shim.awaitRegistered(Duration.ofSeconds(5));
 *   int code = shim.childExit().join();
 * }
 * }</pre>
 *
 * <p>Closing it closes the tunnel and, in wrap mode, ends the child (TERM, then KILL).
 */
public final class Shim implements AutoCloseable {
  /** The shim's version, as built. */
  public static final String VERSION = readVersion();

  private static final Duration WRAP_INSPECTOR_PATIENCE = Duration.ofSeconds(10);
  private static final Duration CHILD_STOP_GRACE = Duration.ofSeconds(5);
  /** A function that crashes as it starts may die before the tunnel is up; wait that long. */
  private static final Duration CRASH_DELIVERY_PATIENCE = Duration.ofSeconds(3);

  // No static logger: Logback's start-up must not run before the function has been started.
  private final Logger log;
  private final ShimConfig config;
  private final NodeProcess child;
  private final CrashReports crashReports;
  private final String inspectorAddress;
  private final Transport transport;
  private final TunnelClient tunnel;
  private final SnapshotAgent snapshotPoints;
  private final CompletableFuture<Integer> childExit;
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private final AtomicBoolean closing = new AtomicBoolean();

  private Shim(ShimConfig config, NodeProcess child, CrashReports crashReports) {
    this.log = LoggerFactory.getLogger(Shim.class);
    this.config = config;
    this.child = child;
    this.crashReports = crashReports;
    OnDemandInspector onDemand =
        config.pid() != null ? OnDemandInspector.of(config.pid())
            : child != null && config.inspectOnDemand()
                ? new OnDemandInspector(child.pid(), child.inspectorPort())
                : null;
    this.inspectorAddress =
        onDemand != null ? "on demand (pid " + onDemand.pid() + ")"
            : child != null ? child.inspectorAddress() : config.inspector();
    InspectorDirectory directory = new InspectorDirectory(inspectorAddress);
    Duration patience = child != null ? WRAP_INSPECTOR_PATIENCE : Duration.ZERO;
    this.transport = Transport.create();
    Streams streams = new Streams(transport, config.limits());
    if (child != null && config.holdForFunctionSessions() != null) {
      DebuggerGate gate = new DebuggerGate(directory, config.holdForFunctionSessions(), true);
      streams.sessionListener(gate);
      gate.start(transport.group().next());
    } else if (child != null && config.waitForDebugger() != null) {
      DebuggerGate gate = new DebuggerGate(directory, config.waitForDebugger());
      streams.sessionListener(gate);
      gate.start(transport.group().next());
    }
    TunnelConfig tunnelConfig =
        new TunnelConfig(
            config.relays(),
            config.token(),
            config.function(),
            config.instance(),
            VERSION,
            config.backoff(),
            null);
    Supplier<CompletableFuture<InspectorSnapshot>> snapshots;
    if (onDemand != null) {
      // Nothing is opened to register: the relay sees a stand-in target until a session comes.
      InspectorSnapshot placeholder = onDemand.placeholder();
      snapshots = () -> CompletableFuture.completedFuture(placeholder);
      streams.targetOpener(target -> onDemand.firstTarget());
    } else {
      snapshots = () -> directory.fetch(patience);
    }
    this.tunnel = new TunnelClient(tunnelConfig, transport, streams, snapshots);
    // Snapshot points open their own inspector session, only while the relay has points.
    Supplier<CompletableFuture<URI>> firstTarget = onDemand != null
        ? onDemand::firstTarget
        : () -> directory.fetch(WRAP_INSPECTOR_PATIENCE).thenApply(found -> {
          if (found.targets().isEmpty()) {
            throw new IllegalStateException("the inspector lists no target");
          }
          return found.targets().get(0).webSocketUrl();
        });
    this.snapshotPoints = new SnapshotAgent(transport, tunnel, firstTarget);
    tunnel.controlListener(snapshotPoints);
    streams.sessionListener(snapshotPoints);
    log.info(
        "starting function={} instance={} mode={} inspector={} quickack={} version={}",
        config.function(),
        config.instance(),
        config.wraps() ? "wrap" : config.pid() != null ? "pid" : "attach",
        inspectorAddress,
        transport.quickAck(),
        VERSION);
    this.childExit = child == null ? null : child.exit().thenApply(this::childExited);
  }

  /**
   * Starts the shim: in wrap mode the function first, then everything else; the relay is dialled
   * in the background, so this returns before the shim is registered.
   *
   * @throws IOException when the wrapped command cannot be started
   */
  public static Shim start(ShimConfig config) throws IOException {
    // The function first: nothing the shim does may delay its cold start.
    NodeCommand.Inspector inspector =
        config.inspectOnDemand() ? NodeCommand.Inspector.ON_DEMAND
            : config.waitForDebugger() != null || config.holdForFunctionSessions() != null
                ? NodeCommand.Inspector.WAIT
            : NodeCommand.Inspector.OPEN;
    CrashReports crashReports = config.wraps() ? CrashReports.create()
        : config.pid() != null ? CrashReports.madeByLauncher(System.getenv("TETHER_REPORT_DIR"))
        : null;
    NodeProcess child;
    try {
      child = config.wraps()
          ? NodeProcess.start(config.command(), inspector, config.token(), crashReports.directory())
          : null;
    } catch (IOException | RuntimeException e) {
      if (crashReports != null) {
        crashReports.close();
      }
      throw e;
    }
    if (config.pid() != null && ProcessHandle.of(config.pid()).isEmpty()) {
      throw new IOException("there is no process " + config.pid() + " to tether");
    }
    Shim shim;
    try {
      shim = new Shim(config, child, crashReports);
    } catch (RuntimeException e) {
      if (child != null) {
        child.stop(CHILD_STOP_GRACE);
      }
      throw e;
    }
    shim.tunnel.start();
    if (config.pid() != null) {
      // A node that ended since the check above (a launcher's short-lived function) stops it too.
      ProcessHandle.of(config.pid()).map(ProcessHandle::onExit)
          .orElse(CompletableFuture.completedFuture(null)).thenRun(() -> {
            shim.log.info("node pid={} exited; the shim stops", config.pid());
            try {
              shim.deliverReportOf(-1);
            } finally {
              shim.close();
            }
          });
    }
    return shim;
  }

  public String instanceId() {
    return config.instance();
  }

  public ShimConfig config() {
    return config;
  }

  /** {@code host:port} of the inspector the shim bridges to. */
  public String inspectorAddress() {
    return inspectorAddress;
  }

  /** Waits until the relay has welcomed this instance (now, or after a reconnect). */
  public boolean awaitRegistered(Duration timeout) throws InterruptedException {
    return tunnel.awaitRegistered(timeout);
  }

  /** The snapshot points of this instance (their inspector session, their state). */
  public SnapshotAgent snapshotPoints() {
    return snapshotPoints;
  }

  public TunnelClient.State tunnelState() {
    return tunnel.state();
  }

  /** The wrapped process; only in wrap mode. */
  public NodeProcess child() {
    if (child == null) {
      throw new IllegalStateException("attach mode has no child process; use ShimConfig.wrap");
    }
    return child;
  }

  /**
   * Completes with the wrapped process's exit code (128+N after signal N) once the tunnel has been
   * closed cleanly behind it; only in wrap mode.
   */
  public CompletableFuture<Integer> childExit() {
    if (childExit == null) {
      throw new IllegalStateException("attach mode has no child process; use ShimConfig.wrap");
    }
    return childExit;
  }

  /** Completes when {@link #close} has finished. */
  public CompletableFuture<Void> whenClosed() {
    return closed;
  }

  private int childExited(int code) {
    log.info("function exited code={} function={} instance={}", code, config.function(), instanceId());
    deliverReportOf(code);
    tunnel.close(CloseCodes.NORMAL, "the function exited");
    return code;
  }

  /**
   * Sends the report Node left as the function died, if any, and removes the directory. {@code
   * code} is the exit code, or -1 in pid mode, where the shim cannot learn it.
   */
  private void deliverReportOf(int code) {
    if (crashReports != null) {
      long pid = child != null ? child.pid() : config.pid() != null ? config.pid() : -1;
      crashReports.take(pid).ifPresent(report -> deliverCrash(code, report));
      crashReports.close();
    }
  }

  private void deliverCrash(int code, ObjectNode report) {
    boolean sent;
    try {
      sent = tunnel.awaitRegistered(CRASH_DELIVERY_PATIENCE)
          && tunnel.send(new TunnelMessage.Crash(code, report));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      sent = false;
    }
    if (sent) {
      log.info("crash report sent function={} instance={}", config.function(), instanceId());
    } else {
      log.warn("crash report lost function={} instance={}: the relay was not reachable within {} s",
          config.function(), instanceId(), CRASH_DELIVERY_PATIENCE.toSeconds());
    }
  }

  /** Closes the tunnel, ends the wrapped process, and stops the event loop. Idempotent. */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      closed.join();
      return;
    }
    try {
      boolean pidGone = config.pid() != null
          && !ProcessHandle.of(config.pid()).map(ProcessHandle::isAlive).orElse(false);
      if ((child != null && child.exit().isDone()) || pidGone) {
        tunnel.close(CloseCodes.NORMAL, "the function exited");
      } else {
        tunnel.close(CloseCodes.GOING_AWAY, "the shim is stopping");
      }
      if (child != null) {
        child.stop(CHILD_STOP_GRACE);
      }
      if (crashReports != null) {
        crashReports.close();
      }
      transport.close();
    } finally {
      closed.complete(null);
    }
  }

  private static String readVersion() {
    try (InputStream in = Shim.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return "dev";
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version", "dev");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
