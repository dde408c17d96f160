package dev.tether.relay.agent;

import java.nio.ByteBuffer;
import org.eclipse.jetty.util.Callback;

/** The far side of a tunnel stream (a DevTools connection): what the tunnel tells it. */
public interface StreamPeer {
  /** The shim opened its inspector session; data may flow towards the target now. */
  void onOpened();

  /** The shim granted more credit; a send that waited may go on. */
  void onCredit();

  /**
   * A chunk of a CDP message from the target ({@code fin} on its last chunk). The buffer is the
   * peer's to keep; complete {@code written} once it has been written out, so credit flows back.
   */
  void onData(ByteBuffer chunk, boolean fin, Callback written);

  /** The stream is over: the shim closed it, or the tunnel went away. */
  void onStreamClosed(int code, String reason);
}
