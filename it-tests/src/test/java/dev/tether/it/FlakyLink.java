package dev.tether.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP forwarder on loopback between a shim and the relay whose path can go dead: {@link
 * #freeze()} stops every byte both ways and refuses new connections, like a network partition or
 * a frozen function; {@link #thaw()} resets the connections that lived through it (their path is
 * gone) and lets new ones through.
 */
final class FlakyLink implements AutoCloseable {
  private final ServerSocket server;
  private final InetSocketAddress target;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final Object gate = new Object();
  private volatile boolean frozen;
  private volatile boolean closed;

  private FlakyLink(ServerSocket server, InetSocketAddress target) {
    this.server = server;
    this.target = target;
  }

  /** Forwards a free loopback port to {@code targetPort} on 127.0.0.1. */
  static FlakyLink to(int targetPort) throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    FlakyLink link =
        new FlakyLink(server, new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort));
    Thread acceptor = new Thread(link::accept, "flaky-link-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    return link;
  }

  /** The relay's URL as seen through this link, e.g. {@code ws://127.0.0.1:PORT/agent}. */
  URI uri(String path) {
    return URI.create("ws://127.0.0.1:" + server.getLocalPort() + path);
  }

  void freeze() {
    frozen = true;
  }

  void thaw() {
    for (Socket socket : sockets) {
      reset(socket);
    }
    sockets.clear();
    synchronized (gate) {
      frozen = false;
      gate.notifyAll();
    }
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = server.accept();
        if (frozen) {
          reset(client);
          continue;
        }
        Socket upstream = new Socket();
        upstream.connect(target, 5_000);
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
        sockets.add(client);
        sockets.add(upstream);
        pipe(client, upstream);
        pipe(upstream, client);
      } catch (IOException e) {
        if (closed) {
          return;
        }
      }
    }
  }

  private void pipe(Socket from, Socket to) {
    Thread thread =
        new Thread(
            () -> {
              byte[] buffer = new byte[16 * 1024];
              try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                  awaitThaw();
                  if (!sockets.contains(from)) {
                    return; // reset by thaw: what was read during the freeze is lost with the path
                  }
                  out.write(buffer, 0, n);
                  out.flush();
                }
                awaitThaw();
                to.shutdownOutput();
              } catch (IOException | InterruptedException e) {
                reset(to);
              }
            },
            "flaky-link-pipe");
    thread.setDaemon(true);
    thread.start();
  }

  private void awaitThaw() throws InterruptedException {
    synchronized (gate) {
      while (frozen) {
        gate.wait();
      }
    }
  }

  private static void reset(Socket socket) {
    try {
      socket.setSoLinger(true, 0); // RST, as a path that died leaves it
      socket.close();
    } catch (IOException ignored) {
      // already gone
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    thaw();
  }
}
