package dev.tether.relay.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One crash of one instance as the relay keeps it: the Node.js diagnostic report the shim sent
 * (already redacted and bounded by the shim), with what a list shows pulled out of it.
 *
 * @param id the relay's id for the report (unique, sortable by arrival)
 * @param trigger Node's trigger: {@code Exception} for an uncaught exception, {@code OOMError}
 *     or {@code FatalError} for a fatal error
 * @param message the error as a person reads it, e.g. {@code TypeError: x is undefined}
 * @param stack the JavaScript stack lines with their source locations (at most {@link
 *     #SUMMARY_STACK_LINES} in a summary)
 */
public record CrashReport(
    String id, String function, String instance, Instant receivedAt, int exitCode,
    String trigger, String message, List<String> stack, JsonNode report) {
  static final int SUMMARY_STACK_LINES = 10;
  /** A script run by {@code node -e} or a syntax error reports {@code file:line} as the message. */
  private static final Pattern LOCATION_ONLY = Pattern.compile("\\S+:\\d+");
  private static final Pattern ERROR_LINE = Pattern.compile("[A-Za-z_$][\\w$.]*: .*");

  public CrashReport {
    stack = List.copyOf(stack);
  }

  /** A report as it arrived from instance {@code instance} of {@code function}. */
  public static CrashReport of(
      String id, String function, String instance, Instant receivedAt, int exitCode,
      JsonNode report) {
    String trigger = report.at("/header/trigger").asText("unknown");
    List<String> stack = new ArrayList<>();
    report.at("/javascriptStack/stack").forEach(line -> stack.add(line.asText()));
    String message = report.at("/javascriptStack/message").asText("");
    if (!trigger.equals("Exception") || message.isEmpty() || message.equals("No stack.")) {
      message = report.at("/header/event").asText(message);
    } else if (LOCATION_ONLY.matcher(message).matches()) {
      message = stack.stream().filter(line -> ERROR_LINE.matcher(line).matches())
          .findFirst().orElse(message);
    }
    List<String> frames = stack.stream().filter(line -> line.startsWith("at ")).toList();
    return new CrashReport(id, function, instance, receivedAt, exitCode, trigger, message,
        frames.isEmpty() ? stack : frames, report);
  }

  /** The same without the full report, for a list. */
  public Summary summary() {
    return new Summary(id, function, instance, receivedAt.toString(), exitCode, trigger, message,
        stack.subList(0, Math.min(stack.size(), SUMMARY_STACK_LINES)));
  }

  /** The report as {@code GET /api/functions} marks a function: its newest crash. */
  public LastCrash lastCrash() {
    return new LastCrash(id, instance, receivedAt.toString(), trigger, message);
  }

  /** A function's newest crash, in the function list. */
  public record LastCrash(
      String id, String instance, String at, String trigger, String message) {}

  /** What {@code GET /api/functions/{name}/reports} lists per crash. */
  public record Summary(
      String id, String function, String instance, String receivedAt, int exitCode,
      String trigger, String message, List<String> stack) {}
}
