package dev.tether.relay.targets;

import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.DataFrame;
import dev.tether.relay.agent.Instance;
import dev.tether.relay.agent.StreamPeer;
import dev.tether.relay.agent.TunnelStream;
import dev.tether.relay.policy.SessionGuard;
import dev.tether.relay.policy.TargetWatch;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.util.Callback;

/**
 * One instance a function session attached to: one tunnel stream, as an instance session has.
 * Towards the target it sends one whole DevTools message at a time within the stream's credit;
 * from the target it gathers each message (bounded by the policy's target message limit), hands
 * it to the window tagged with its CDP session, and lets credit flow back only once DevTools has
 * it. Its own {@link SessionGuard} judges its commands (read-only, rate, audit by instance) and
 * watches its pauses.
 */
final class AttachedTarget implements StreamPeer {
  private final TargetWindow window;
  private final String sessionId;
  private final Instance instance;
  private final boolean flatten;
  private final long attachId;
  private final SessionGuard guard;

  private volatile TunnelStream stream;
  private boolean opened;
  private boolean closed;
  // towards the target, guarded by this: at most one client message and one relay message
  private ByteBuffer pending;
  private Runnable pendingDone;
  private ByteBuffer injected;
  private ByteBuffer current;
  private Runnable currentDone;
  // from the target, on the tunnel's thread
  private final ByteArrayOutputStream incoming = new ByteArrayOutputStream();
  private final List<Callback> unwritten = new ArrayList<>();

  AttachedTarget(TargetWindow window, String sessionId, Instance instance, boolean flatten,
      long attachId, SessionGuard guard) {
    this.window = window;
    this.sessionId = sessionId;
    this.instance = instance;
    this.flatten = flatten;
    this.attachId = attachId;
    this.guard = guard;
  }

  String sessionId() {
    return sessionId;
  }

  Instance instance() {
    return instance;
  }

  boolean flatten() {
    return flatten;
  }

  SessionGuard guard() {
    return guard;
  }

  /** Opens the inspector session on the instance's target through {@code opened}'s stream. */
  void start(TunnelStream opened, String inspectorTarget, String tetherSession) {
    start(opened, () -> opened.open(inspectorTarget, tetherSession));
  }

  /** Starts on {@code opened}, which {@code open} asks the far end to open. */
  void start(TunnelStream opened, Runnable open) {
    stream = opened;
    guard.start(new SessionGuard.Actions() {
      @Override
      public void injectTowardsTarget(byte[] message) {
        inject(message);
      }

      @Override
      public void close(int code, String reason) {
        window.end(code, reason);
      }
    });
    open.run();
  }

  /** Sends one whole client message; {@code done} runs once the stream took all of it. */
  void send(ByteBuffer message, Runnable done) {
    synchronized (this) {
      if (closed) {
        done.run();
        return;
      }
      pending = message;
      pendingDone = done;
    }
    pump();
  }

  /** Sends this message of the relay's own (e.g. the pause guard's resume) at the next gap. */
  private void inject(byte[] message) {
    synchronized (this) {
      if (closed) {
        return;
      }
      injected = ByteBuffer.wrap(message);
    }
    pump();
  }

  @Override
  public void onOpened() {
    synchronized (this) {
      opened = true;
    }
    window.attached(this, attachId);
    pump();
  }

  @Override
  public void onCredit() {
    pump();
  }

  @Override
  public void onData(ByteBuffer chunk, boolean fin, Callback written) {
    TargetWatch.Verdict verdict = guard.onTargetChunk(chunk, fin);
    if (verdict == TargetWatch.Verdict.TOO_BIG) {
      written.succeeded();
      window.end(CloseCodes.MESSAGE_TOO_BIG, "instance " + instance.id()
          + " sent a CDP message larger than the relay's limit of "
          + guard.maxTargetMessageBytes() + " bytes");
      return;
    }
    if (verdict == TargetWatch.Verdict.SWALLOW) {
      written.succeeded();
      return;
    }
    byte[] bytes = new byte[chunk.remaining()];
    chunk.get(bytes);
    incoming.writeBytes(bytes);
    unwritten.add(written);
    if (!fin) {
      return;
    }
    byte[] message = incoming.toByteArray();
    incoming.reset();
    List<Callback> credit = List.copyOf(unwritten);
    unwritten.clear();
    ByteBuffer out = TargetMessages.fromTarget(message, sessionId, instance.id(), flatten);
    int length = out.remaining();
    guard.queued(length);
    window.toDevTools(out, () -> {
      guard.written(length);
      credit.forEach(Callback::succeeded);
    });
  }

  /** The relay's own answer to one of this target's commands (a refusal), tagged likewise. */
  void answer(String json, Runnable done) {
    window.toDevTools(TargetMessages.fromTarget(
        json.getBytes(StandardCharsets.UTF_8), sessionId, instance.id(), flatten),
        done);
  }

  @Override
  public void onStreamClosed(int code, String reason) {
    boolean wasOpened;
    synchronized (this) {
      wasOpened = opened;
    }
    if (shut()) {
      if (!wasOpened) {
        window.attachFailed(this, attachId, reason); // DevTools still waits for its answer
      }
      window.detached(this, reason);
    }
  }

  /** Ends the stream from the relay's side; true the first time. */
  boolean close(int code, String reason) {
    if (!shut()) {
      return false;
    }
    TunnelStream s = stream;
    if (s != null) {
      s.close(code, reason);
    }
    return true;
  }

  private boolean shut() {
    Runnable done;
    synchronized (this) {
      if (closed) {
        return false;
      }
      closed = true;
      done = currentDone != null ? currentDone : pendingDone;
      pending = null;
      current = null;
      injected = null;
    }
    guard.stop();
    if (done != null) {
      done.run(); // the window reads DevTools' next message
    }
    return true;
  }

  /**
   * Offers what waits to the stream as far as its credit goes (the stream copies it once, into
   * the tunnel frame); a client message taken whole lets the window read the next one.
   */
  private void pump() {
    Runnable finished = null;
    synchronized (this) {
      TunnelStream s = stream;
      if (closed || !opened || s == null || !s.isOpened()) {
        return;
      }
      while (true) {
        if (current == null) {
          if (injected != null) {
            current = injected;
            injected = null;
            currentDone = null;
          } else if (pending != null) {
            current = pending;
            currentDone = pendingDone;
            pending = null;
            pendingDone = null;
          } else {
            break;
          }
        }
        if (!s.offer(current, true)) {
          break; // onCredit calls again
        }
        if (currentDone != null) {
          finished = currentDone;
        }
        current = null;
        currentDone = null;
      }
    }
    if (finished != null) {
      finished.run();
    }
  }
}
