package dev.tether.protocol;

/**
 * The characters that let text forge or hide lines wherever it is shown (a log, a terminal, an
 * audit view): C0 and C1 controls (newline, carriage return, tab, NUL, escape, NEL …), the
 * Unicode line and paragraph separators, and the bidirectional overrides that reorder what a
 * reader sees. Input holding any of them is refused where it enters; text that is logged anyway
 * is {@link #escape escaped} so one log event stays one line.
 */
public final class SafeText {
  private SafeText() {}

  /** True when {@code text} holds none of the unsafe characters. */
  public static boolean isSafe(CharSequence text) {
    for (int i = 0; i < text.length(); i++) {
      if (unsafe(text.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@code text} with every unsafe character written as an escape ({@code \n}, {@code \r},
   * {@code \t}, else {@code \}{@code uXXXX}); the same string when there is none.
   */
  public static String escape(String text) {
    if (text == null || isSafe(text)) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!unsafe(c)) {
        out.append(c);
      } else if (c == '\n') {
        out.append("\\n");
      } else if (c == '\r') {
        out.append("\\r");
      } else if (c == '\t') {
        out.append("\\t");
      } else {
        out.append(String.format("\\u%04x", (int) c));
      }
    }
    return out.toString();
  }

  private static boolean unsafe(char c) {
    return Character.isISOControl(c)
        || c == '\u2028' || c == '\u2029'
        || (c >= '\u202a' && c <= '\u202e')
        || (c >= '\u2066' && c <= '\u2069')
        || c == '\u200e' || c == '\u200f' || c == '\u061c';
  }
}
