package dev.tether.relay.cdp;

import java.nio.ByteBuffer;

/**
 * Checks that a byte stream, fed chunk by chunk, is well-formed UTF-8 as RFC 3629 defines it: no
 * overlong forms, no encoded surrogates, nothing above U+10FFFF, no truncated sequence at the end.
 * JSON parsers and V8 may repair bad bytes differently (one skips, one substitutes U+FFFD), so a
 * method name could read one way here and another in the function; such bytes are refused.
 */
final class StrictUtf8 {
  private int needed; // continuation bytes still expected
  private int lower = 0x80; // bounds of the next continuation byte (they narrow after E0, ED, F0, F4)
  private int upper = 0xBF;
  private boolean broken;

  /** Reads the buffer's remaining bytes (its position is not moved); false once broken. */
  boolean feed(ByteBuffer chunk) {
    for (int i = chunk.position(), end = chunk.limit(); i < end && !broken; i++) {
      accept(chunk.get(i) & 0xFF);
    }
    return !broken;
  }

  /** Forgets what was fed: the next byte starts a new stream. */
  void reset() {
    needed = 0;
    lower = 0x80;
    upper = 0xBF;
    broken = false;
  }

  /** True when everything fed so far ends on a character boundary and nothing was broken. */
  boolean complete() {
    return !broken && needed == 0;
  }

  private void accept(int b) {
    if (needed == 0) {
      if (b < 0x80) {
        return;
      }
      lower = 0x80;
      upper = 0xBF;
      if (b >= 0xC2 && b <= 0xDF) {
        needed = 1;
      } else if (b >= 0xE0 && b <= 0xEF) {
        needed = 2;
        if (b == 0xE0) {
          lower = 0xA0; // overlong below U+0800
        } else if (b == 0xED) {
          upper = 0x9F; // U+D800..U+DFFF are surrogates
        }
      } else if (b >= 0xF0 && b <= 0xF4) {
        needed = 3;
        if (b == 0xF0) {
          lower = 0x90; // overlong below U+10000
        } else if (b == 0xF4) {
          upper = 0x8F; // above U+10FFFF
        }
      } else {
        broken = true; // C0, C1, F5..FF, or a stray continuation byte
      }
      return;
    }
    if (b < lower || b > upper) {
      broken = true;
      return;
    }
    lower = 0x80;
    upper = 0xBF;
    needed--;
  }
}
