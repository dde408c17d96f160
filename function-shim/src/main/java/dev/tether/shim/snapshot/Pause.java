package dev.tether.shim.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.protocol.SnapshotRedaction;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One stop at a snapshot location, serving every point due there in one round trip: each point's
 * condition (when it has one), the capture all capture points share, each logpoint's expressions,
 * and {@code Debugger.resume} right behind them, in one write. V8 answers in order, so the function
 * runs again as soon as V8 has read the frame; a capture or line whose condition turns out false is
 * dropped afterwards, in the shim. The reads are side-effect free, so reading speculatively costs
 * V8 only the reading, never a second wake-up of the shim while the function waits. Completes once
 * the resume is answered, with what each point got.
 */
final class Pause {
  /** What one point got: a {@link Capture.Result}, a log line, nothing (its condition was false), or an error. */
  record Outcome(Point point, Object value, Throwable error) {}

  /** What the points got, and when the resume's reply came ({@link System#nanoTime}). */
  record Served(List<Outcome> outcomes, long resumedAt) {}

  private static final CompletableFuture<Boolean> YES = CompletableFuture.completedFuture(true);

  private Pause() {}

  static CompletableFuture<Served> serve(CdpSession on, List<Point> points,
      JsonNode callFrames, SnapshotRedaction masks, Map<String, String> scriptUrls) {
    String top = callFrames.path(0).path("callFrameId").asText();
    List<CompletableFuture<Outcome>> outcomes = new ArrayList<>(points.size());
    CompletableFuture<Capture.Result> capture = null;
    on.cork();
    for (Point point : points) {
      CompletableFuture<Boolean> admitted = point.spec.condition() == null ? YES
          : Evaluation.on(on, top, point.spec.condition()).handle(Pause::admits);
      CompletableFuture<?> value;
      if (point.spec.log() != null) {
        value = LogLine.render(on, masks, top, point.spec.log());
      } else {
        if (capture == null) {
          capture = Capture.of(on, masks, callFrames, scriptUrls);
        }
        value = capture;
      }
      outcomes.add(CompletableFuture.allOf(admitted, value)
          .handle((done, failed) -> outcome(point, admitted, value)));
    }
    // Every read of the paused frame is written by now, and the inspector answers in order:
    // the resume goes right behind them, so the pause is one round trip, not one per read.
    // The pause ends at the resume's reply, timed as it is read, not after the shim worked
    // through the captured values (which wait for it: see Capture).
    CompletableFuture<Long> resumed = on.send("Debugger.resume").handle((r, e) -> System.nanoTime());
    on.uncork();
    return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
        .thenCompose(done -> resumed.thenApply(at -> {
          List<Outcome> list = new ArrayList<>(outcomes.size());
          outcomes.forEach(o -> list.add(o.join()));
          return new Served(list, at);
        }));
  }

  /** A point's outcome once its condition and its reads are answered: the condition decides. */
  private static Outcome outcome(Point point, CompletableFuture<Boolean> admitted,
      CompletableFuture<?> value) {
    Throwable refused = failure(admitted);
    if (refused != null) {
      return new Outcome(point, null, refused);
    }
    if (!admitted.join()) {
      return new Outcome(point, null, null);
    }
    Throwable failed = failure(value);
    return failed != null ? new Outcome(point, null, failed) : new Outcome(point, value.join(), null);
  }

  private static Throwable failure(CompletableFuture<?> done) {
    try {
      done.join();
      return null;
    } catch (CompletionException | CancellationException e) {
      return e.getCause() != null ? e.getCause() : e;
    }
  }

  /**
   * Whether a condition's answer admits the hit. One V8 stopped (its 50 ms were up, e.g. on a
   * loaded machine) does not: the pause it cost counts against the budget, which disables a
   * condition that is always slow; an exception (a side effect V8 refused, a typo) disables the
   * point at once.
   */
  private static boolean admits(JsonNode reply, Throwable error) {
    if (error != null) {
      Throwable cause = error.getCause() != null ? error.getCause() : error;
      if (Evaluation.TERMINATED.equals(cause.getMessage())) {
        return false;
      }
      throw error instanceof RuntimeException r ? r : new CompletionException(error);
    }
    if (reply.has("exceptionDetails") && Evaluation.TERMINATED.equals(Evaluation.error(reply))) {
      return false;
    }
    return Evaluation.truthy(reply);
  }
}
