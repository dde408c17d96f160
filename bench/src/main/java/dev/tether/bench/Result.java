package dev.tether.bench;

/**
 * One line of the results table: a direct and a relayed figure (either may be absent), the goal
 * it is held against, and whether it was met.
 *
 * @param unit how to print the figures: "ms" (from nanoseconds), "msg/s", "MB", "KB"
 */
record Result(
    String id, String what, String unit, Double directP50, Double directP99, Double relayedP50,
    Double relayedP99, String goal, Boolean met, String note) {

  /** Latency-like figures from nanosecond samples. */
  static Result latency(String id, String what, Samples direct, Samples relayed, String goal,
      Boolean met, String note) {
    return new Result(id, what, "ms", ms(direct.p50()), ms(direct.p99()), ms(relayed.p50()),
        ms(relayed.p99()), goal, met, note);
  }

  /** relayed p50 / direct p50, or null when either is missing. */
  Double ratio() {
    if (directP50 == null || relayedP50 == null || directP50 == 0) {
      return null;
    }
    return relayedP50 / directP50;
  }

  static double ms(double nanos) {
    return nanos / 1e6;
  }
}
