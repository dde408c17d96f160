package dev.tether.protocol;

import java.nio.charset.StandardCharsets;

/** Keeps WebSocket close reasons within the 123 bytes a close frame can carry. */
public final class CloseReasons {
  private static final int MAX_BYTES = 123;

  private CloseReasons() {}

  /** {@code reason}, cut at a character boundary with "…" when it is too long. */
  public static String fit(String reason) {
    if (reason == null) {
      return "";
    }
    if (reason.getBytes(StandardCharsets.UTF_8).length <= MAX_BYTES) {
      return reason;
    }
    StringBuilder cut = new StringBuilder();
    int bytes = 3; // the ellipsis
    for (int i = 0; i < reason.length(); ) {
      int cp = reason.codePointAt(i);
      int size = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
      if (bytes + size > MAX_BYTES) {
        break;
      }
      cut.appendCodePoint(cp);
      bytes += size;
      i += Character.charCount(cp);
    }
    return cut.append('…').toString();
  }
}
