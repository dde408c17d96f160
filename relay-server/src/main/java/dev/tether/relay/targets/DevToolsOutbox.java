package dev.tether.relay.targets;

import dev.tether.relay.session.SessionTraffic;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.function.Supplier;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;

/**
 * Writes whole messages to one DevTools socket, one at a time and in the order they were handed
 * over (every attached target and the window's own replies share the socket, and a message split
 * into fragments must never interleave with another), running each one's {@code done} once it is
 * written. It holds what waits: each target's next messages, bounded by the credit it granted,
 * and the window's replies and events.
 */
final class DevToolsOutbox {
  private final Supplier<CoreSession> socket;
  private final SessionTraffic traffic;
  private final Queue<Outgoing> queue = new ArrayDeque<>();
  private boolean writing;

  private record Outgoing(ByteBuffer bytes, Runnable done) {}

  DevToolsOutbox(Supplier<CoreSession> socket, SessionTraffic traffic) {
    this.socket = socket;
    this.traffic = traffic;
  }

  /** Writes {@code bytes} as one text message after those before it; {@code done} once written. */
  void send(ByteBuffer bytes, Runnable done) {
    synchronized (queue) {
      queue.add(new Outgoing(bytes, done));
      if (writing) {
        return;
      }
      writing = true;
    }
    writeNext();
  }

  private void writeNext() {
    while (true) {
      Outgoing next;
      synchronized (queue) {
        next = queue.poll();
        if (next == null) {
          writing = false;
          return;
        }
      }
      CoreSession core = socket.get();
      if (core == null || !core.isOutputOpen()) {
        next.done().run(); // nobody to write to: let the target's credit go on
        continue;
      }
      traffic.toClient(next.bytes().remaining(), true);
      Runnable written = () -> {
        next.done().run();
        writeNext();
      };
      core.sendFrame(new Frame(OpCode.TEXT, true, next.bytes()),
          Callback.from(written, failure -> written.run()), false);
      return;
    }
  }
}
