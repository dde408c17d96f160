package dev.tether.shim.process;

import dev.tether.shim.inspector.InspectorDirectory;
import dev.tether.shim.stream.Streams;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --wait-for-debugger}: the function was started with {@code --inspect-wait}, so Node holds
 * it before its first line until some inspector client sends {@code
 * Runtime.runIfWaitingForDebugger}. A debugger that attaches sends that itself once its
 * breakpoints are set, which is what makes the release race-free; the shim sends it only when
 * nobody attached within the timeout, or when the sessions that came are all gone (Node ignores
 * it when the script runs already).
 *
 * <p>{@code --hold-for-function-sessions} ({@code forFunctionSessions}): the relay's welcome says
 * whether a function session is attached to the function. If not, the function runs at once; if
 * so, it stays held until that window starts it (DevTools' Node front end attaches to each new
 * target, sets its breakpoints, then sends {@code Runtime.runIfWaitingForDebugger}), and in any
 * case no longer than the timeout after the start, sessions or not: the bound is strict.
 */
public final class DebuggerGate implements Streams.SessionListener {
  private static final String RUN = "{\"id\":1,\"method\":\"Runtime.runIfWaitingForDebugger\"}";
  private static final Duration RELEASE_PATIENCE = Duration.ofSeconds(10);

  private static final Logger LOG = LoggerFactory.getLogger(DebuggerGate.class);
  private final InspectorDirectory directory;
  private final Duration timeout;
  private ScheduledFuture<?> timer;
  private int sessions;
  private boolean released;

  private final boolean forFunctionSessions;

  public DebuggerGate(InspectorDirectory directory, Duration timeout) {
    this(directory, timeout, false);
  }

  public DebuggerGate(InspectorDirectory directory, Duration timeout, boolean forFunctionSessions) {
    this.directory = directory;
    this.timeout = timeout;
    this.forFunctionSessions = forFunctionSessions;
  }

  /** Starts the timeout on {@code loop}, the loop the session events come from. */
  public void start(EventLoop loop) {
    LOG.info("holding the function until a debugger starts it, at most {} ms", timeout.toMillis());
    timer = loop.schedule(this::expired, timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void opened() {
    sessions++;
    if (timer != null && !forFunctionSessions) {
      timer.cancel(false);
    }
  }

  @Override
  public synchronized void welcomed(boolean hold) {
    if (!forFunctionSessions || released) {
      return;
    }
    if (!hold && sessions == 0) {
      release("no function session is attached");
    } else if (hold) {
      LOG.info("a function session is attached: holding the function until it starts it");
    }
  }

  @Override
  public synchronized void closed() {
    sessions--;
    if (sessions == 0) {
      release("the last debugger session closed");
    }
  }

  private synchronized void expired() {
    if (forFunctionSessions) {
      release("the function session did not start it within " + timeout.toMillis() + " ms");
    } else if (sessions == 0) {
      release("no debugger attached within " + timeout.toMillis() + " ms");
    }
  }

  private synchronized void release(String why) {
    if (released) {
      return;
    }
    released = true;
    directory
        .fetch(RELEASE_PATIENCE)
        .thenCompose(snapshot -> runIfWaiting(snapshot.targets().get(0).webSocketUrl()))
        .whenComplete((ok, error) -> {
          if (error == null) {
            LOG.info("running the function: {}", why);
          } else {
            LOG.warn("could not start the held function ({}): {}", why, error.toString());
          }
        });
  }

  /** One short inspector session that only says run, waits for the answer, and closes. */
  private static CompletableFuture<Void> runIfWaiting(URI target) {
    CompletableFuture<Void> answered = new CompletableFuture<>();
    WebSocket.Listener listener =
        new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            answered.complete(null);
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "");
            return null;
          }

          @Override
          public void onError(WebSocket socket, Throwable error) {
            answered.completeExceptionally(error);
          }
        };
    return HttpClient.newHttpClient()
        .newWebSocketBuilder()
        .connectTimeout(RELEASE_PATIENCE)
        .buildAsync(target, listener)
        .thenCompose(socket -> socket.sendText(RUN, true))
        .thenCompose(socket -> answered.orTimeout(RELEASE_PATIENCE.toSeconds(), TimeUnit.SECONDS));
  }
}
