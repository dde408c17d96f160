package dev.tether.shim.logging;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.tether.protocol.SafeText;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Locale;
import org.slf4j.event.Level;

/**
 * How one log event becomes one line on stderr, which the shim shares with the function: {@code
 * tether-shim LEVEL message}, or with {@code TETHER_LOG_FORMAT=json} one JSON object. Control
 * characters and line separators in messages and stack traces are escaped, so text from users and
 * agents can never start a forged log line.
 */
public enum LogFormat {
  TEXT {
    @Override
    String line(Level level, String logger, String message, Throwable thrown, long millis) {
      StringBuilder line = new StringBuilder(96).append("tether-shim ");
      String name = level.name();
      line.append(name).append("     ", 0, Math.max(0, 5 - name.length())).append(' ');
      line.append(SafeText.escape(message));
      if (thrown != null) {
        line.append(' ').append(SafeText.escape(trace(thrown)));
      }
      return line.append('\n').toString();
    }
  },
  JSON {
    @Override
    String line(Level level, String logger, String message, Throwable thrown, long millis) {
      StringBuilder line = new StringBuilder(128).append("{\"timestamp\":").append(millis);
      field(line, "level", level.name());
      field(line, "loggerName", logger);
      field(line, "formattedMessage", message);
      if (thrown != null) {
        line.append(",\"throwable\":{\"className\":");
        quote(line, thrown.getClass().getName());
        field(line, "message", String.valueOf(thrown.getMessage()));
        field(line, "stackTrace", trace(thrown));
        line.append('}');
      }
      // Inside JSON these characters occur only in strings, where an escape means the same value.
      return SafeText.escape(line.append('}').toString()) + "\n";
    }

    private void field(StringBuilder line, String name, String value) {
      line.append(",\"").append(name).append("\":");
      quote(line, value);
    }

    private void quote(StringBuilder line, String value) {
      line.append('"').append(JsonStringEncoder.getInstance().quoteAsString(value)).append('"');
    }
  };

  /** One line, ending in a newline. */
  abstract String line(Level level, String logger, String message, Throwable thrown, long millis);

  /** {@code text} (the default) or {@code json}, as {@code TETHER_LOG_FORMAT} says. */
  public static LogFormat named(String name) {
    if (name == null || name.isBlank()) {
      return TEXT;
    }
    return switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "text" -> TEXT;
      case "json" -> JSON;
      default -> throw new IllegalArgumentException(
          "TETHER_LOG_FORMAT must be text or json, was '" + name + "'");
    };
  }

  private static String trace(Throwable thrown) {
    StringWriter text = new StringWriter();
    thrown.printStackTrace(new PrintWriter(text));
    return text.toString().stripTrailing();
  }
}
