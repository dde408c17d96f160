package dev.tether.relay.cdp;

/**
 * The few strings a connection sends again and again (its method names, its session ids), so
 * reading one does not allocate a new {@code String} per message. Bounded: a full cache forgets
 * its oldest entry. Not thread-safe.
 */
final class RecentStrings {
  private static final int MAX_LENGTH = 128; // longer strings are rare and not worth a scan

  private final String[] strings;
  private int next;

  RecentStrings(int capacity) {
    strings = new String[capacity];
  }

  /** The string of these characters: one seen recently, or a new one (then remembered). */
  String get(char[] chars, int offset, int length) {
    if (length > MAX_LENGTH) {
      return new String(chars, offset, length);
    }
    for (String known : strings) {
      if (known != null && same(known, chars, offset, length)) {
        return known;
      }
    }
    String text = new String(chars, offset, length);
    strings[next] = text;
    next = (next + 1) % strings.length;
    return text;
  }

  private static boolean same(String known, char[] chars, int offset, int length) {
    if (known.length() != length) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (known.charAt(i) != chars[offset + i]) {
        return false;
      }
    }
    return true;
  }
}
