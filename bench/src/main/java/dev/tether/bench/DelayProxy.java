package dev.tether.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A far link on loopback: a TCP proxy that delivers every byte {@code delay} after it arrived, in
 * each direction, with no bandwidth limit of its own. B12 puts one between shim and relay and one
 * between the direct client and the inspector, so both paths cross the same link. Each direction
 * holds at most {@value #MAX_CHUNKS} chunks in flight; a full queue stops the reading, so TCP's
 * own flow control takes over (as a real link's buffers would).
 */
final class DelayProxy implements AutoCloseable {
  private static final int MAX_CHUNKS = 4096;
  private static final int CHUNK = 64 * 1024;

  private final ServerSocket server;
  private final InetSocketAddress upstream;
  private final long delayNanos;
  private final List<Socket> sockets = new ArrayList<>();
  private volatile boolean closed;

  private DelayProxy(ServerSocket server, InetSocketAddress upstream, Duration delay) {
    this.server = server;
    this.upstream = upstream;
    this.delayNanos = delay.toNanos();
  }

  /** Listens on a free loopback port and forwards to {@code upstream} with {@code delay} each way. */
  static DelayProxy start(InetSocketAddress upstream, Duration delay) throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    DelayProxy proxy = new DelayProxy(server, upstream, delay);
    daemon("delay-accept", proxy::accept);
    return proxy;
  }

  /** {@code uri} with its host and port replaced by this proxy's, for a client to cross the link. */
  URI via(URI uri) {
    return URI.create(uri.getScheme() + "://127.0.0.1:" + server.getLocalPort()
        + uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = server.accept();
        Socket far = new Socket();
        far.connect(upstream, 10_000);
        for (Socket s : new Socket[] {client, far}) {
          s.setTcpNoDelay(true);
        }
        synchronized (sockets) {
          sockets.add(client);
          sockets.add(far);
        }
        direction(client, far);
        direction(far, client);
      } catch (IOException e) {
        if (!closed) {
          Bench.log("delay proxy: %s", e);
        }
      }
    }
  }

  /** One direction: a reader stamps each chunk, a writer sends it once its delay passed. */
  private void direction(Socket from, Socket to) throws IOException {
    BlockingQueue<Object[]> queue = new ArrayBlockingQueue<>(MAX_CHUNKS);
    InputStream in = from.getInputStream();
    OutputStream out = to.getOutputStream();
    daemon("delay-link", () -> {
      byte[] buffer = new byte[CHUNK];
      try {
        int n;
        while ((n = in.read(buffer)) >= 0) {
          queue.put(new Object[] {System.nanoTime() + delayNanos, Arrays.copyOf(buffer, n)});
        }
      } catch (IOException | InterruptedException e) {
        // the socket closed; the writer ends with the end marker
      }
      try {
        queue.put(new Object[] {System.nanoTime() + delayNanos, null});
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    daemon("delay-link", () -> {
      try {
        while (true) {
          Object[] item = queue.take();
          long wait = (long) item[0] - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
          }
          if (item[1] == null) {
            to.shutdownOutput();
            return;
          }
          out.write((byte[]) item[1]);
        }
      } catch (IOException | InterruptedException e) {
        closeQuietly(from);
        closeQuietly(to);
      }
    });
  }

  private static void daemon(String name, Runnable body) {
    Thread thread = new Thread(body, name);
    thread.setDaemon(true);
    thread.start();
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    synchronized (sockets) {
      sockets.forEach(DelayProxy::closeQuietly);
    }
  }
}
