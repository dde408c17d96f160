package dev.tether.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One snapshot point or logpoint as the relay hands it to the shims of a function: where ({@code
 * url}, a script URL or a suffix of one such as {@code handler.js}, and {@code line}, 1-based as
 * editors number lines), an optional side-effect-free {@code condition}, an optional {@code log}
 * template (then a hit is a log line, not a capture), and how many more hits the relay wants
 * ({@code maxHits}; a shim stops after that many on its instance).
 */
public record SnapshotPoint(
    String id, String url, int line, String condition, String log, int maxHits) {
  /** Ids are short and printable; they travel in log lines and audit records. */
  public static final int MAX_ID_CHARS = 64;
  /** Script URLs and suffixes, conditions and templates are code-sized, not file-sized. */
  public static final int MAX_TEXT_CHARS = 2048;

  public SnapshotPoint {
    if (id == null || id.isBlank() || id.length() > MAX_ID_CHARS || !SafeText.isSafe(id)) {
      throw new IllegalArgumentException("a point id is 1-" + MAX_ID_CHARS + " printable characters");
    }
    if (url == null || url.isBlank() || url.length() > MAX_TEXT_CHARS) {
      throw new IllegalArgumentException("url is required, at most " + MAX_TEXT_CHARS + " characters");
    }
    if (line < 1) {
      throw new IllegalArgumentException("line is 1-based, was " + line);
    }
    condition = blankToNull(condition);
    log = blankToNull(log);
    if ((condition != null && condition.length() > MAX_TEXT_CHARS)
        || (log != null && log.length() > MAX_TEXT_CHARS)) {
      throw new IllegalArgumentException(
          "condition and log are at most " + MAX_TEXT_CHARS + " characters");
    }
    if (maxHits < 1) {
      throw new IllegalArgumentException("maxHits must be positive, was " + maxHits);
    }
  }

  private static final Pattern PLAIN_PATH =
      Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*");

  /** The expressions between braces of a log template: {@code "total={total}"} has {@code total}. */
  public static List<String> templateExpressions(String template) {
    List<String> found = new ArrayList<>();
    if (template == null) {
      return found;
    }
    int at = 0;
    while (true) {
      int open = template.indexOf('{', at);
      int close = open < 0 ? -1 : template.indexOf('}', open + 1);
      if (close < 0) {
        return found;
      }
      found.add(template.substring(open + 1, close).trim());
      at = close + 1;
    }
  }

  /** True for a plain variable path such as {@code event.customer}: no call, no operator. */
  public static boolean isPlainPath(String expression) {
    return PLAIN_PATH.matcher(expression).matches();
  }

  private static String blankToNull(String text) {
    return text == null || text.isBlank() ? null : text;
  }
}
