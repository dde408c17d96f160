package dev.tether.relay.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the sizes people type in config files: {@code 65536}, {@code 512KiB}, {@code 64MiB}. */
public final class Sizes {
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|kib|kb|mib|mb|gib|gb)?");

  private Sizes() {}

  /** Parses {@code 65536}, {@code 64KiB}, {@code 64MiB}, {@code 1GiB} (KB/MB/GB mean the same). */
  public static long parse(String text) {
    Matcher m = SIZE.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a size; write it like 65536, 512KiB or 64MiB");
    }
    long amount = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2);
    return switch (unit) {
      case "kib", "kb" -> amount * 1024;
      case "mib", "mb" -> amount * 1024 * 1024;
      case "gib", "gb" -> amount * 1024 * 1024 * 1024;
      default -> amount;
    };
  }
}
