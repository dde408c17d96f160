package dev.tether.relay.policy;

import dev.tether.protocol.CloseCodes;
import dev.tether.relay.cdp.CdpCommands;
import dev.tether.relay.cdp.CommandReader;
import dev.tether.relay.cdp.ReadCommand;
import dev.tether.relay.session.Session;
import java.nio.ByteBuffer;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Decides, frame by frame, what happens to one session's client→target messages. Every frame is
 * read by the connection's one strict {@link CommandReader} before any of it is forwarded, in every
 * mode; the reading feeds the audit ({@code onRead}, once the message is whole) and policy. In a
 * full session frames then stream through untouched (the rate is checked once per message); in a
 * read-only session each command is held whole (it is small) and judged by {@link ReadOnlyPolicy}.
 * A refused message is answered with a CDP error and never forwarded; one found unreadable after
 * part of it went (a multi-frame message in a full session) closes the session, so the function
 * never receives it whole.
 *
 * <p>One connection feeds it one frame at a time (demand-after-send); it is not thread-safe.
 */
public final class CommandGate {
  /** JSON-RPC's "invalid request", for a message the relay could not read. */
  static final int UNREADABLE = -32600;

  private enum State { BETWEEN, FORWARDING, HOLDING, REFUSING }

  private final Session session;
  private final ReadOnlyPolicy readOnly;
  private final long maxHeldBytes;
  private final RateLimiter rate;
  private final PolicyListener listener;
  private final LongSupplier nanos;
  private Consumer<ReadCommand> onRead = command -> {};

  private State state = State.BETWEEN;
  private final CommandReader reader; // one for the connection, reading message after message
  private boolean forwardedPart;
  private ByteBuffer held;
  private String refusalReason;
  private String refusalMessage;
  private int refusalCode;
  private boolean answered;

  /** {@code readOnly} null for a full session. */
  CommandGate(
      Session session, ReadOnlyPolicy readOnly, long maxHeldBytes, RateLimiter rate,
      PolicyListener listener, LongSupplier nanos, int maxTextChars) {
    this.session = session;
    this.readOnly = readOnly;
    this.maxHeldBytes = maxHeldBytes;
    this.rate = rate;
    this.listener = listener;
    this.nanos = nanos;
    this.reader =
        new CommandReader(maxTextChars, CdpCommands::captures, CdpCommands::auditDetailsLater);
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

  /** Who hears each command once it is read whole (the audit), before it is forwarded. */
  void onRead(Consumer<ReadCommand> listener) {
    onRead = listener;
  }

  /** True when no client message is under way, so the relay may send one of its own. */
  public boolean betweenMessages() {
    return state == State.BETWEEN;
  }

  /**
   * One data frame's payload from DevTools. The gate never keeps {@code payload} past the call
   * (a held read-only command is copied); a {@link Forward} may be {@code payload} itself, which
   * the caller then sends on from the buffer it arrived in.
   */
  public Step onFrame(ByteBuffer payload, boolean fin) {
    if (state == State.BETWEEN) {
      start(payload, fin);
    }
    if (state == State.REFUSING) {
      return refusing(payload, fin, true);
    }
    if (!reader.feed(payload)) {
      return unreadable(payload, fin);
    }
    ReadCommand command = null;
    if (fin) {
      command = reader.finish();
      if (command == null) {
        return unreadable(payload, true);
      }
      onRead.accept(command);
    }
    return switch (state) {
      case FORWARDING -> {
        forwardedPart = !fin;
        if (fin) {
          state = State.BETWEEN;
        }
        yield new Forward(payload, fin);
      }
      case HOLDING -> hold(payload, fin, command);
      default -> throw new IllegalStateException("a message is forwarded or held, not " + state);
    };
  }

  /**
   * A whole message its caller has read already, with the one strict reader (a function session
   * reads each message to route it to a target): rate, audit and read-only rules as for {@link
   * #onFrame}, without reading it again. Never {@link Skip}.
   */
  public Step onMessage(ReadCommand command, ByteBuffer message) {
    if (!rate.tryAcquire(nanos.getAsLong())) {
      String why = "rate limit: this session may send " + rate.perSecond() + " messages per"
          + " second; the command was not sent, try again in a moment";
      if (rate.startsEpisode()) {
        listener.denied(session, command.method(), PolicyListener.RATE_LIMITED, why);
      }
      return new Answer(ReadOnlyPolicy.errorReply(command.id(), -32000, why));
    }
    onRead.accept(command);
    if (readOnly == null) {
      return new Forward(message, true);
    }
    if (message.remaining() > maxHeldBytes) {
      String why = "commands larger than " + maxHeldBytes + " bytes are not allowed in a"
          + " read-only session";
      listener.denied(session, command.method(), PolicyListener.TOO_LARGE, why);
      return new Answer(ReadOnlyPolicy.errorReply(command.id(), -32000, why));
    }
    byte[] bytes = new byte[message.remaining()];
    message.duplicate().get(bytes);
    ReadOnlyPolicy.Outcome outcome = readOnly.check(command, bytes);
    if (outcome instanceof ReadOnlyPolicy.Forward forward) {
      return new Forward(ByteBuffer.wrap(forward.message()), true);
    }
    ReadOnlyPolicy.Refuse refusal = (ReadOnlyPolicy.Refuse) outcome;
    listener.denied(session, refusal.method(), refusal.reason(), refusal.message());
    return new Answer(ReadOnlyPolicy.errorReply(refusal.id(), refusal.message()));
  }

  private void start(ByteBuffer first, boolean fin) {
    answered = false;
    forwardedPart = false;
    reader.next(fin ? first.remaining() : -1);
    if (!rate.tryAcquire(nanos.getAsLong())) {
      refuse(PolicyListener.RATE_LIMITED, -32000,
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

  private Step hold(ByteBuffer payload, boolean fin, ReadCommand command) {
    if (held.position() + (long) payload.remaining() > maxHeldBytes) {
      held = null;
      refuse(PolicyListener.TOO_LARGE, -32000, "commands larger than " + maxHeldBytes
          + " bytes are not allowed in a read-only session");
      return refusing(payload, fin, false);
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
    ReadOnlyPolicy.Outcome outcome = readOnly.check(command, message);
    if (outcome instanceof ReadOnlyPolicy.Forward forward) {
      return new Forward(ByteBuffer.wrap(forward.message()), true);
    }
    ReadOnlyPolicy.Refuse refusal = (ReadOnlyPolicy.Refuse) outcome;
    listener.denied(session, refusal.method(), refusal.reason(), refusal.message());
    return new Answer(ReadOnlyPolicy.errorReply(refusal.id(), refusal.message()));
  }

  /**
   * The reader refused the message. Nothing of it went yet: answer (or, without an id to answer,
   * close). Part of it went already: close, so the function never gets the rest.
   */
  private Step unreadable(ByteBuffer payload, boolean fin) {
    String problem = reader.problem();
    if (forwardedPart) {
      state = State.BETWEEN;
      forwardedPart = false;
      listener.denied(session, reader.method(), PolicyListener.MALFORMED, problem);
      return new Close(CloseCodes.POLICY_VIOLATION, problem);
    }
    held = null;
    refusalReason = PolicyListener.MALFORMED;
    refusalMessage = problem;
    refusalCode = UNREADABLE;
    state = State.REFUSING;
    listener.denied(session, reader.method(), PolicyListener.MALFORMED, problem);
    return refusing(payload, fin, false);
  }

  private void refuse(String reason, int code, String message) {
    state = State.REFUSING;
    refusalReason = reason;
    refusalMessage = message;
    refusalCode = code;
    if (!PolicyListener.RATE_LIMITED.equals(reason) || rate.startsEpisode()) {
      listener.denied(session, null, reason, message);
    }
  }

  /**
   * Drops the frames of a refused message; answers once its id is known. The reader keeps
   * reading only to learn the id (an unreadable message answers with the id read before the fault).
   */
  private Step refusing(ByteBuffer payload, boolean fin, boolean unread) {
    if (unread && reader.problem() == null && reader.id() == null) {
      reader.feed(payload);
    }
    if (fin) {
      state = State.BETWEEN;
      forwardedPart = false;
    }
    Long id = reader.id();
    if (id != null && !answered) {
      answered = true;
      return new Answer(ReadOnlyPolicy.errorReply(id, refusalCode, refusalMessage));
    }
    if (fin && !answered) {
      return new Close(CloseCodes.POLICY_VIOLATION, refusalMessage + " (" + refusalReason + ")");
    }
    return new Skip();
  }
}
