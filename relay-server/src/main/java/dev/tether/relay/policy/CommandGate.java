package dev.tether.relay.policy;

import dev.tether.protocol.CdpPeeker;
import dev.tether.protocol.CloseCodes;
import dev.tether.relay.session.Session;
import java.nio.ByteBuffer;
import java.util.function.LongSupplier;

/**
 * Decides, frame by frame, what happens to one session's client→target messages: in a full
 * session they stream through untouched (only the rate is checked, once per message); in a
 * read-only session each command is held whole (it is small) and judged by {@link ReadOnlyPolicy}.
 * A refused message is never forwarded, not even in part; it is answered with a CDP error.
 *
 * <p>One connection feeds it one frame at a time (demand-after-send); it is not thread-safe.
 */
public final class CommandGate {
  private enum State { BETWEEN, FORWARDING, HOLDING, REFUSING }

  private final Session session;
  private final ReadOnlyPolicy readOnly;
  private final long maxHeldBytes;
  private final RateLimiter rate;
  private final PolicyListener listener;
  private final LongSupplier nanos;

  private State state = State.BETWEEN;
  private ByteBuffer held;
  private CdpPeeker refusedPeeker;
  private Long refusedId;
  private String refusalReason;
  private String refusalMessage;
  private boolean answered;

  /** {@code readOnly} null for a full session. */
  CommandGate(
      Session session, ReadOnlyPolicy readOnly, long maxHeldBytes, RateLimiter rate,
      PolicyListener listener, LongSupplier nanos) {
    this.session = session;
    this.readOnly = readOnly;
    this.maxHeldBytes = maxHeldBytes;
    this.rate = rate;
    this.listener = listener;
    this.nanos = nanos;
  }

  /** What the connection does with a frame. */
  public sealed interface Step {}

  /** Send these bytes towards the target ({@code fin}: they end the message). */
  public record Forward(ByteBuffer bytes, boolean fin) implements Step {}

  /** Send this message to DevTools (a CDP error for a refused command); forward nothing. */
  public record Answer(String json) implements Step {}

  /** Nothing to send for this frame; read the next one. */
  public record Skip() implements Step {}

  /** Close the DevTools socket with this code and reason. */
  public record Close(int code, String reason) implements Step {}

  /** True when no client message is under way, so the relay may send one of its own. */
  public boolean betweenMessages() {
    return state == State.BETWEEN;
  }

  /** One data frame's payload (the caller's own copy) from DevTools. */
  public Step onFrame(ByteBuffer payload, boolean fin) {
    if (state == State.BETWEEN) {
      start(payload);
    }
    return switch (state) {
      case FORWARDING -> {
        if (fin) {
          state = State.BETWEEN;
        }
        yield new Forward(payload, fin);
      }
      case HOLDING -> hold(payload, fin);
      case REFUSING -> refusing(payload, fin);
      case BETWEEN -> throw new IllegalStateException("a message always starts somewhere");
    };
  }

  private void start(ByteBuffer first) {
    answered = false;
    if (!rate.tryAcquire(nanos.getAsLong())) {
      refuse(PolicyListener.RATE_LIMITED,
          "rate limit: this session may send " + rate.perSecond() + " messages per second;"
              + " the command was not sent, try again in a moment");
      return;
    }
    if (readOnly == null) {
      state = State.FORWARDING;
    } else {
      state = State.HOLDING;
      held = ByteBuffer.allocate((int) Math.min(maxHeldBytes, Math.max(first.remaining(), 1024)));
    }
  }

  private Step hold(ByteBuffer payload, boolean fin) {
    if (held.position() + (long) payload.remaining() > maxHeldBytes) {
      ByteBuffer head = held.flip();
      held = null;
      refuse(PolicyListener.TOO_LARGE, "commands larger than " + maxHeldBytes
          + " bytes are not allowed in a read-only session");
      feedRefused(head, false);
      return refusing(payload, fin);
    }
    if (held.remaining() < payload.remaining()) {
      long wanted = Math.max((long) held.capacity() * 2, held.position() + (long) payload.remaining());
      held = ByteBuffer.allocate((int) Math.min(wanted, maxHeldBytes)).put(held.flip());
    }
    held.put(payload);
    if (!fin) {
      return new Skip();
    }
    byte[] message = new byte[held.position()];
    held.flip().get(message);
    held = null;
    state = State.BETWEEN;
    ReadOnlyPolicy.Outcome outcome = readOnly.check(message);
    if (outcome instanceof ReadOnlyPolicy.Forward forward) {
      return new Forward(ByteBuffer.wrap(forward.message()), true);
    }
    ReadOnlyPolicy.Refuse refusal = (ReadOnlyPolicy.Refuse) outcome;
    listener.denied(session, refusal.method(), refusal.reason(), refusal.message());
    if (refusal.id() == null) {
      return new Close(CloseCodes.POLICY_VIOLATION, "not a CDP command with an id; "
          + refusal.message());
    }
    return new Answer(ReadOnlyPolicy.errorReply(refusal.id(), refusal.message()));
  }

  private void refuse(String reason, String message) {
    state = State.REFUSING;
    refusedPeeker = new CdpPeeker();
    refusedId = null;
    refusalReason = reason;
    refusalMessage = message;
    if (!PolicyListener.RATE_LIMITED.equals(reason) || rate.startsEpisode()) {
      listener.denied(session, null, reason, message);
    }
  }

  /** Drops the frames of a refused message; answers once its id is known. */
  private Step refusing(ByteBuffer payload, boolean fin) {
    feedRefused(payload, fin);
    if (fin) {
      state = State.BETWEEN;
    }
    if (refusedId != null && !answered) {
      answered = true;
      return new Answer(ReadOnlyPolicy.errorReply(refusedId, refusalMessage));
    }
    if (fin && !answered) {
      return new Close(CloseCodes.POLICY_VIOLATION, refusalMessage + " (" + refusalReason + ")");
    }
    return new Skip();
  }

  private void feedRefused(ByteBuffer payload, boolean fin) {
    if (refusedPeeker == null) {
      return;
    }
    boolean done = refusedPeeker.feed(payload);
    if (fin && !done) {
      refusedPeeker.finish();
    }
    refusedId = refusedPeeker.envelope().id();
    if (refusedId != null || done || fin) {
      refusedPeeker = null;
    }
  }
}
