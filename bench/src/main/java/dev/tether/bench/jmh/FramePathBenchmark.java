package dev.tether.bench.jmh;

import dev.tether.protocol.DataFrame;
import dev.tether.protocol.ProtocolException;
import dev.tether.relay.cdp.CdpCommands;
import dev.tether.relay.cdp.CommandReader;
import dev.tether.relay.cdp.ReadCommand;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-message work of the tunnel framing and the relay's one reading of a command, one message per operation.
 * Run with {@code ./tether bench --jmh -prof gc} to see bytes allocated per message
 * ({@code gc.alloc.rate.norm}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FramePathBenchmark {
  /**
   * A console command as DevTools sends it (about 230 bytes; it runs code, so the audit keeps its
   * params, code text and hash), a command that only reads (about 110 bytes; nothing kept), and a
   * full 64 KiB tunnel chunk.
   */
  @Param({"command", "read", "chunk"})
  public String message;

  private ByteBuffer payload;
  private ByteBuffer frame;
  private CommandReader connection;
  private CommandReader onTheSpot;

  @Setup
  public void setUp() {
    String command = "{\"id\":4711,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":"
        + "\"orders.filter(o => o.total > 100).length\",\"objectGroup\":\"console\","
        + "\"includeCommandLineAPI\":true,\"silent\":false,\"returnByValue\":false}}";
    if (message.equals("command")) {
      payload = ByteBuffer.wrap(command.getBytes(StandardCharsets.UTF_8));
    } else if (message.equals("read")) {
      payload = ByteBuffer.wrap(("{\"id\":4713,\"method\":\"Runtime.getProperties\",\"params\":"
          + "{\"objectId\":\"-4113568491532791452.1.7\",\"ownProperties\":true,"
          + "\"generatePreview\":true}}").getBytes(StandardCharsets.UTF_8));
    } else {
      StringBuilder big = new StringBuilder("{\"id\":4712,\"method\":\"Debugger.setScriptSource\","
          + "\"params\":{\"scriptSource\":\"");
      while (big.length() < DataFrame.MAX_CHUNK) {
        big.append('x');
      }
      big.append("\"}}");
      payload = ByteBuffer.wrap(big.substring(0, DataFrame.MAX_CHUNK)
          .getBytes(StandardCharsets.UTF_8));
    }
    frame = DataFrame.encode(7, true, payload);
    connection =
        new CommandReader(4096, CdpCommands::captures, CdpCommands::auditDetailsLater);
    onTheSpot = new CommandReader(4096, CdpCommands::captures);
  }

  @Benchmark
  public ByteBuffer encode() {
    return DataFrame.encode(7, true, payload);
  }

  @Benchmark
  public DataFrame.Chunk decode() throws ProtocolException {
    return DataFrame.decode(frame);
  }

  /**
   * What the relay does with every DevTools message, in every mode: the connection's one strict
   * reader (the one that feeds audit, policy and routing) starts the next message, is fed, finished.
   * A small command the audit records comes in one frame, so its details are left for the audit's
   * writer thread (the reader keeps the message's bytes), as the relay's gate does.
   */
  @Benchmark
  public ReadCommand peek() {
    connection.next(payload.remaining());
    connection.feed(payload);
    return connection.finish();
  }

  /**
   * The same reading with the audit's details (code text, SHA-256, params text) made on the data
   * path, as the relay did before the audit's writer made them (for comparison).
   */
  @Benchmark
  public ReadCommand peekDetailsOnTheSpot() {
    onTheSpot.next();
    onTheSpot.feed(payload);
    return onTheSpot.finish();
  }

  /** What the relay did before: a new strict reader per message (for comparison). */
  @Benchmark
  public ReadCommand peekNewReader() {
    CommandReader reader = new CommandReader(4096, CdpCommands::captures);
    reader.feed(payload);
    return reader.finish();
  }
}
