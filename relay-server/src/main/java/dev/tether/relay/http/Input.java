package dev.tether.relay.http;

import dev.tether.protocol.FunctionName;
import dev.tether.protocol.SafeText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks text a caller sent (body fields, path segments, query parameters) where it enters the
 * relay, before it can reach a session, the audit trail or a log: control characters, line
 * separators and malformed function names are a 400 that says what to send instead.
 */
public final class Input {
  private static final Logger LOG = LoggerFactory.getLogger(Input.class);
  /** How much of a refused value the log line and the error message show. */
  private static final int SHOWN = 80;

  private Input() {}

  /** {@code value} unchanged when it holds no control or line-separator character; else a 400. */
  public static String text(String where, String value) {
    if (value != null && !SafeText.isSafe(value)) {
      throw refuse("bad_input", where, value,
          where + " may not hold control characters (newline, NUL, tab …) or line separators");
    }
    return value;
  }

  /** {@code value} unchanged when it is a well-formed function name; else a 400. */
  public static String functionName(String where, String value) {
    if (!FunctionName.isValid(value)) {
      throw refuse("bad_function", where, value, where + " must be a function name: "
          + FunctionName.DESCRIPTION);
    }
    return value;
  }

  private static ApiError refuse(String code, String where, String value, String rule) {
    String shown = value == null ? "" : value.length() > SHOWN ? value.substring(0, SHOWN) + "…" : value;
    // Logged raw on purpose: the log's encoder escapes it, and this line is where an operator
    // sees someone probing the relay.
    LOG.info("input refused error={} at={} value=\"{}\"", code, where, shown);
    return ApiError.badRequest(code, rule + "; got \"" + SafeText.escape(shown) + "\"");
  }
}
