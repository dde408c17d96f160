package dev.tether.relay.policy;

import dev.tether.protocol.CloseCodes;
import dev.tether.relay.cdp.ReadCommand;
import dev.tether.relay.config.Durations;
import dev.tether.relay.session.Session;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Everything policy does to one DevTools connection, behind one object the connection calls at
 * four points: a frame from DevTools, a chunk from the target, a write queued and a write done.
 */
public final class SessionGuard {
  /** What the guard may do to the connection by itself (from timers). */
  public interface Actions {
    /** Sends a whole CDP message of the relay's own towards the target, between DevTools' ones. */
    void injectTowardsTarget(byte[] message);

    /** Closes the DevTools socket (and the stream) with a code and a reason. */
    void close(int code, String reason);
  }

  private final Session session;
  private final CommandGate gate;
  private final TargetWatch target;
  private final PauseGuard pause;
  private final DrainWatch drain;
  private final PolicyListener listener;
  private final Duration drainTimeout;

  SessionGuard(
      Session session, CommandGate gate, TargetWatch target, PauseGuard pause,
      DrainWatch drain, Duration drainTimeout, PolicyListener listener) {
    this.drainTimeout = drainTimeout;
    this.session = session;
    this.gate = gate;
    this.target = target;
    this.pause = pause;
    this.drain = drain;
    this.listener = listener;
  }

  /** Connects the timers to the connection; call once it is open. */
  public void start(Actions actions) {
    pause.injectWith(actions::injectTowardsTarget);
    drain.onStalled(() -> {
      String reason = "DevTools did not read for " + Durations.format(drainTimeout)
          + " while the function was sending; reconnect (slow consumer)";
      listener.warning(session, PolicyListener.SLOW_CONSUMER, reason);
      actions.close(CloseCodes.SLOW_CONSUMER, reason);
    });
  }

  /** Stops every timer; call when the connection closes. */
  public void stop() {
    pause.stop();
    drain.stop();
  }

  /** Who hears each DevTools command once it is read whole (the audit), before it goes on. */
  public void onRead(Consumer<ReadCommand> listener) {
    gate.onRead(listener);
  }

  /** See {@link CommandGate#onFrame}. */
  public CommandGate.Step onClientFrame(ByteBuffer payload, boolean fin) {
    return gate.onFrame(payload, fin);
  }

  /** See {@link CommandGate#onMessage}. */
  public CommandGate.Step onClientMessage(ReadCommand command, ByteBuffer message) {
    return gate.onMessage(command, message);
  }

  public boolean betweenClientMessages() {
    return gate.betweenMessages();
  }

  /** See {@link TargetWatch#onChunk}. */
  public TargetWatch.Verdict onTargetChunk(ByteBuffer chunk, boolean fin) {
    return target.onChunk(chunk, fin);
  }

  public long maxTargetMessageBytes() {
    return target.maxMessageBytes();
  }

  /** Bytes handed to the DevTools socket. */
  public void queued(long bytes) {
    drain.queued(bytes);
  }

  /** Bytes the DevTools socket finished writing. */
  public void written(long bytes) {
    drain.written(bytes);
  }

  /** Bytes the relay holds for this DevTools client right now. */
  public long unwritten() {
    return drain.unwritten();
  }
}
