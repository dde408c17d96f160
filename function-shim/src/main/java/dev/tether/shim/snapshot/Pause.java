package dev.tether.shim.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.protocol.SnapshotRedaction;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One stop at a snapshot location, serving every point due there in as few round trips as V8
 * allows: the points' conditions in one pipelined write (only when a point has one), then one
 * capture for all the capture points admitted, each logpoint's line, and {@code Debugger.resume}
 * right behind them in one write. Completes once the resume is answered, with what each point got.
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
    List<CompletableFuture<Boolean>> admitted = new ArrayList<>(points.size());
    boolean conditions = false;
    for (Point point : points) {
      conditions |= point.spec.condition() != null;
    }
    if (!conditions) {
      points.forEach(p -> admitted.add(YES));
      return read(on, points, admitted, top, callFrames, masks, scriptUrls);
    }
    on.cork();
    for (Point point : points) {
      admitted.add(point.spec.condition() == null ? YES
          : Evaluation.on(on, top, point.spec.condition()).handle(Pause::admits));
    }
    on.uncork();
    return CompletableFuture.allOf(admitted.toArray(CompletableFuture[]::new))
        .handle((done, failed) -> null)
        .thenCompose(done -> read(on, points, admitted, top, callFrames, masks, scriptUrls));
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

  private static CompletableFuture<Served> read(CdpSession on, List<Point> points,
      List<CompletableFuture<Boolean>> admitted, String top, JsonNode callFrames,
      SnapshotRedaction masks, Map<String, String> scriptUrls) {
    List<CompletableFuture<Outcome>> outcomes = new ArrayList<>(points.size());
    CompletableFuture<Capture.Result> capture = null;
    on.cork();
    for (int i = 0; i < points.size(); i++) {
      Point point = points.get(i);
      CompletableFuture<Boolean> yes = admitted.get(i);
      if (yes.isCompletedExceptionally()) {
        outcomes.add(yes.handle((v, error) -> new Outcome(point, null, error)));
      } else if (!yes.join()) {
        outcomes.add(CompletableFuture.completedFuture(new Outcome(point, null, null)));
      } else if (point.spec.log() != null) {
        outcomes.add(LogLine.render(on, masks, top, point.spec.log())
            .handle((line, error) -> new Outcome(point, line, error)));
      } else {
        if (capture == null) {
          capture = Capture.of(on, masks, callFrames, scriptUrls);
        }
        outcomes.add(capture.handle((result, error) -> new Outcome(point, result, error)));
      }
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
}
