package dev.tether.relay.policy;

import dev.tether.protocol.CdpEnvelope;
import dev.tether.protocol.CdpPeeker;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Looks at target→DevTools messages as little as possible: the size of each message, and the first
 * bytes of each (never more than {@value #PEEK_BYTES}) for {@code Debugger.paused}/{@code resumed},
 * which the pause guard needs, and for the reply to the relay's own resume, which is swallowed.
 * Called on the tunnel's reading thread, one chunk at a time.
 *
 * <p>These are V8's own messages, not DevTools commands, so protocol's lenient {@link CdpPeeker}
 * reads them rather than the relay's strict command reader: the relay's resume carries a negative
 * id (which that reader refuses in a command, so DevTools can never send one that collides), and
 * its reply must still be recognised.
 */
public final class TargetWatch {
  static final int PEEK_BYTES = 256;
  private static final byte[] PAUSED = "\"Debugger.paused\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] RESUMED = "\"Debugger.resumed\"".getBytes(StandardCharsets.US_ASCII);

  /** What happens to a chunk. */
  public enum Verdict { FORWARD, SWALLOW, TOO_BIG }

  private final long maxMessageBytes;
  private final PauseGuard pause;
  private boolean midMessage;
  private boolean swallowing;
  private long messageBytes;

  TargetWatch(long maxMessageBytes, PauseGuard pause) {
    this.maxMessageBytes = maxMessageBytes;
    this.pause = pause;
  }

  public long maxMessageBytes() {
    return maxMessageBytes;
  }

  public Verdict onChunk(ByteBuffer chunk, boolean fin) {
    if (!midMessage) {
      messageBytes = 0;
      swallowing = false;
      look(chunk);
    }
    midMessage = !fin;
    messageBytes += chunk.remaining();
    if (messageBytes > maxMessageBytes) {
      return Verdict.TOO_BIG;
    }
    return swallowing ? Verdict.SWALLOW : Verdict.FORWARD;
  }

  private void look(ByteBuffer chunk) {
    ByteBuffer head = chunk.slice(chunk.position(), Math.min(chunk.remaining(), PEEK_BYTES));
    // Most target messages are replies and events like scriptParsed: a byte search rules them out
    // without a parser; only a possible pause event or the relay's own reply is parsed.
    if (!contains(head, PAUSED) && !contains(head, RESUMED) && !pause.expectsOwnReply()) {
      return;
    }
    CdpPeeker peeker = new CdpPeeker();
    peeker.feed(head);
    CdpEnvelope envelope = peeker.envelope();
    if ("Debugger.paused".equals(envelope.method())) {
      pause.paused();
    } else if ("Debugger.resumed".equals(envelope.method())) {
      pause.resumed();
    } else if (envelope.method() == null && pause.isOwnReply(envelope.id())) {
      swallowing = true;
    }
  }

  private static boolean contains(ByteBuffer haystack, byte[] needle) {
    int start = haystack.position();
    int last = haystack.limit() - needle.length;
    outer:
    for (int i = start; i <= last; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack.get(i + j) != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
