package dev.tether.relay.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the durations people type in flags and config files: {@code 90s}, {@code 8h}, {@code PT8H}. */
public final class Durations {
  private static final Pattern SHORT = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  private Durations() {}

  /** Parses {@code 250ms}, {@code 90s}, {@code 30m}, {@code 8h}, {@code 7d} or ISO-8601 ({@code PT8H}). */
  public static Duration parse(String text) {
    String value = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    Matcher matcher = SHORT.matcher(value);
    if (matcher.matches()) {
      long amount = Long.parseLong(matcher.group(1));
      return switch (matcher.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        case "h" -> Duration.ofHours(amount);
        default -> Duration.ofDays(amount);
      };
    }
    try {
      return Duration.parse(value.toUpperCase(Locale.ROOT));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a duration; write it like 90s, 30m, 8h, 7d or PT8H");
    }
  }

  /** The shortest of the short forms that says exactly {@code duration}, e.g. {@code 8h}. */
  public static String format(Duration duration) {
    long millis = duration.toMillis();
    if (millis % 86_400_000 == 0 && millis > 0) {
      return millis / 86_400_000 + "d";
    } else if (millis % 3_600_000 == 0 && millis > 0) {
      return millis / 3_600_000 + "h";
    } else if (millis % 60_000 == 0 && millis > 0) {
      return millis / 60_000 + "m";
    } else if (millis % 1000 == 0) {
      return millis / 1000 + "s";
    }
    return millis + "ms";
  }
}
