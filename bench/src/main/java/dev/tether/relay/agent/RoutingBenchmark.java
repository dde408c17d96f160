package dev.tether.relay.agent;

import dev.tether.protocol.DataFrame;
import dev.tether.protocol.Target;
import dev.tether.protocol.TunnelCodec;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.auth.AgentPrincipal;
import dev.tether.relay.config.RelayConfig;
import dev.tether.relay.session.Sessions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Routing one data frame from a shim to its DevTools session through the relay's real
 * {@link AgentTunnel} and {@link TunnelStream}: assemble, decode, find the stream, check and
 * charge credit, copy, hand to the peer, grant credit back. The sockets are Jetty's no-op
 * session, so only the relay's own work is timed. (This class sits in the relay's package
 * because the tunnel's constructor is package-private.)
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RoutingBenchmark {
  @Param({"256", "65536"})
  public int payloadBytes;

  private ScheduledThreadPoolExecutor scheduler;
  private AgentTunnel tunnel;
  private ByteBuffer frame;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    scheduler = new ScheduledThreadPoolExecutor(1);
    RelayConfig config = RelayConfig.defaults();
    AgentRegistry registry = new AgentRegistry(
        new Sessions(scheduler, Clock.systemUTC(), Duration.ofHours(1), Duration.ofHours(1)));
    tunnel = new AgentTunnel(new AgentPrincipal("bench", "jti"), registry, scheduler,
        Clock.systemUTC(), config.heartbeat(), config.helloTimeout(), config.resumeGrace(),
        config.abruptCloseGrace(), config.agents(), "127.0.0.1");
    tunnel.onOpen(new CoreSession.Empty(), Callback.NOOP);
    control(new TunnelMessage.Hello("bench", "i-1", "node", List.of(new Target("t", "node", "b",
        "file:///b.js")), List.of(), "bench"));
    TunnelStream stream = tunnel.newStream(new StreamPeer() {
      @Override
      public void onOpened() {}

      @Override
      public void onCredit() {}

      @Override
      public void onData(ByteBuffer chunk, boolean fin, Callback written) {
        written.succeeded(); // a DevTools socket that writes at once
      }

      @Override
      public void onStreamClosed(int code, String reason) {}
    }).orElseThrow();
    control(new TunnelMessage.Opened(stream.id(), 1 << 20));
    byte[] bytes = new byte[payloadBytes];
    java.util.Arrays.fill(bytes, (byte) 'x');
    frame = DataFrame.encode(stream.id(), true, ByteBuffer.wrap(bytes));
  }

  private void control(TunnelMessage message) {
    tunnel.onFrame(new Frame(OpCode.TEXT, true,
        ByteBuffer.wrap(TunnelCodec.encode(message).getBytes(StandardCharsets.UTF_8))),
        Callback.NOOP);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    scheduler.shutdownNow();
  }

  /** One shim → DevTools data frame, as Jetty hands it to the tunnel. */
  @Benchmark
  public void routeToDevTools() {
    tunnel.onFrame(new Frame(OpCode.BINARY, true, frame.duplicate()), Callback.NOOP);
  }
}
