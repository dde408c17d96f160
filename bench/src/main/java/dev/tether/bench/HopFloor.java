package dev.tether.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.server.WebSocketUpgradeHandler;

/**
 * The floor under B13's extra hop: what one more loopback WebSocket hop costs on this machine
 * when nothing but the hop is done. A Jetty echo server answers each message; a trivial Jetty
 * forwarder in front of it reads the client's frame and writes it to the echo server over a JDK
 * {@link HttpClient} WebSocket (the client the relay's peer link uses), one copy each way, and
 * reads the next frame from the write's completion. Round trips alternate between the echo server
 * straight and through the forwarder; their p50 difference is the floor. The forwarder runs once
 * with the JDK client's own executor (a thread hand-off for every message it receives) and once
 * with a direct one (the message is handled on the thread that read it).
 */
final class HopFloor {
  private HopFloor() {}

  static void run(Bench bench) throws Exception {
    try (Jetty echo = Jetty.start("/echo", Echo::new)) {
      URI echoUri = echo.uri("/echo");
      for (boolean direct : new boolean[] {false, true}) {
        HttpClient client = direct
            ? HttpClient.newBuilder().executor(Runnable::run).build()
            : HttpClient.newHttpClient();
        try (Jetty forwarder = Jetty.start("/hop", () -> new Hop(client, echoUri));
            Cdp straight = Cdp.connect(bench.http, echoUri);
            Cdp hopped = Cdp.connect(bench.http, forwarder.uri("/hop"))) {
          Samples[] samples = Latency.alternate(bench.size(2000, 500), bench.size(5000, 1000),
              straight, hopped);
          double added = Result.ms(samples[1].p50() - samples[0].p50());
          bench.add(Result.latency("B13H", "floor: one more loopback WebSocket hop, JDK client "
                  + (direct ? "with a direct executor" : "with its own executor"), samples[0],
              samples[1], "report only", null, String.format("added p50 %+.3f ms: an echo"
                  + " server straight (direct columns) and through a trivial Jetty forwarder"
                  + " (Tether columns)", added)));
        }
      }
    }
  }

  /** A Jetty server on a loopback port with one WebSocket path. */
  private record Jetty(Server server, ServerConnector connector) implements AutoCloseable {
    interface Handlers {
      FrameHandler create();
    }

    static Jetty start(String path, Handlers handlers) throws Exception {
      Server server = new Server();
      ServerConnector connector = new ServerConnector(server);
      connector.setHost("127.0.0.1");
      connector.setPort(0);
      server.addConnector(connector);
      WebSocketComponents components = new WebSocketComponents();
      server.addBean(components);
      WebSocketUpgradeHandler upgrades = new WebSocketUpgradeHandler(components);
      upgrades.addMapping(path, (request, response, callback) -> handlers.create());
      server.setHandler(upgrades);
      server.start();
      return new Jetty(server, connector);
    }

    URI uri(String path) {
      return URI.create("ws://127.0.0.1:" + connector.getLocalPort() + path);
    }

    @Override
    public void close() throws Exception {
      server.stop();
    }
  }

  /** Sends every data frame back as it came; reads the next once the echo was written. */
  private static final class Echo implements FrameHandler {
    private CoreSession socket;

    @Override
    public void onOpen(CoreSession coreSession, Callback callback) {
      socket = coreSession;
      callback.succeeded();
      socket.demand();
    }

    @Override
    public void onFrame(Frame frame, Callback callback) {
      if (!frame.isDataFrame()) {
        callback.succeeded();
        if (frame.getOpCode() != OpCode.CLOSE) {
          socket.demand();
        }
        return;
      }
      ByteBuffer copy = ByteBuffer.allocate(frame.getPayloadLength()).put(frame.getPayload())
          .flip();
      callback.succeeded();
      socket.sendFrame(new Frame(frame.getOpCode(), frame.isFin(), copy),
          Callback.from(socket::demand, failure -> { }), false);
    }

    @Override
    public void onError(Throwable cause, Callback callback) {
      callback.succeeded();
    }

    @Override
    public void onClosed(CloseStatus closeStatus, Callback callback) {
      callback.succeeded();
    }
  }

  /**
   * A client's socket forwarded to the echo server as binary frames over a JDK WebSocket, and the
   * echo forwarded back as text: one copy per direction, reading re-armed from each write's
   * completion, nothing else.
   */
  private static final class Hop implements FrameHandler, WebSocket.Listener {
    private final HttpClient client;
    private final URI next;
    private CoreSession socket;
    private WebSocket onward;
    private boolean midMessage; // the JDK client hands a message over in parts at times

    Hop(HttpClient client, URI next) {
      this.client = client;
      this.next = next;
    }

    @Override
    public void onOpen(CoreSession coreSession, Callback callback) {
      socket = coreSession;
      onward = client.newWebSocketBuilder().buildAsync(next, this)
          .orTimeout(10, TimeUnit.SECONDS).join();
      callback.succeeded();
      socket.demand();
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      webSocket.request(1);
    }

    @Override
    public void onFrame(Frame frame, Callback callback) {
      if (!frame.isDataFrame()) {
        callback.succeeded();
        if (frame.getOpCode() != OpCode.CLOSE) {
          socket.demand();
        }
        return;
      }
      ByteBuffer copy = ByteBuffer.allocate(frame.getPayloadLength()).put(frame.getPayload())
          .flip();
      callback.succeeded();
      onward.sendBinary(copy, frame.isFin()).thenRun(socket::demand);
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      ByteBuffer copy = ByteBuffer.allocate(data.remaining()).put(data).flip();
      byte opcode = midMessage ? OpCode.CONTINUATION : OpCode.TEXT;
      midMessage = !last;
      socket.sendFrame(new Frame(opcode, last, copy),
          Callback.from(() -> webSocket.request(1), failure -> { }), false);
      return null;
    }

    @Override
    public void onError(Throwable cause, Callback callback) {
      callback.succeeded();
    }

    @Override
    public void onClosed(CloseStatus closeStatus, Callback callback) {
      WebSocket w = onward;
      if (w != null) {
        w.abort();
      }
      callback.succeeded();
    }
  }
}
