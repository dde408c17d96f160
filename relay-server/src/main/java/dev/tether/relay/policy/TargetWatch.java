package dev.tether.relay.policy;

import dev.tether.protocol.CdpEnvelope;
import dev.tether.protocol.CdpPeeker;
import java.nio.ByteBuffer;

/**
 * Looks at target→DevTools messages as little as possible: the size of each message, and the first
 * bytes of each (never more than {@value #PEEK_BYTES}) for {@code Debugger.paused}/{@code resumed},
 * which the pause guard needs, and for the reply to the relay's own resume, which is swallowed.
 * Called on the tunnel's reading thread, one chunk at a time.
 */
public final class TargetWatch {
  static final int PEEK_BYTES = 256;

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
    CdpPeeker peeker = new CdpPeeker();
    peeker.feed(chunk.slice(chunk.position(), Math.min(chunk.remaining(), PEEK_BYTES)));
    CdpEnvelope envelope = peeker.envelope();
    if ("Debugger.paused".equals(envelope.method())) {
      pause.paused();
    } else if ("Debugger.resumed".equals(envelope.method())) {
      pause.resumed();
    } else if (envelope.method() == null && pause.isOwnReply(envelope.id())) {
      swallowing = true;
    }
  }
}
