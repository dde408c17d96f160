package dev.tether.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SafeTextTest {
  @Test
  void ordinaryTextIsSafeAndLeftAlone() {
    String text = "session requested user=alice function=orders-api café ✓";

    assertThat(SafeText.isSafe(text)).isTrue();
    assertThat(SafeText.escape(text)).isSameAs(text);
  }

  @Test
  void lineBreaksNulAndEscapeAreWrittenAsEscapes() {
    String forged = "orders\n12:00:00.000 level=INFO logger=Relay admin logged in\r\u0000\t\u001b[2J";

    assertThat(SafeText.isSafe(forged)).isFalse();
    assertThat(SafeText.escape(forged)).isEqualTo(
        "orders\\n12:00:00.000 level=INFO logger=Relay admin logged in\\r\\u0000\\t\\u001b[2J");
  }

  @Test
  void unicodeLineSeparatorsNextLineAndBidiOverridesAreUnsafe() {
    for (char c : new char[] {'\u2028', '\u2029', '\u0085', '\u202e', '\u2066', '\u007f'}) {
      assertThat(SafeText.isSafe("a" + c + "b")).as("U+%04X", (int) c).isFalse();
      assertThat(SafeText.escape("a" + c + "b")).isEqualTo(String.format("a\\u%04xb", (int) c));
    }
  }

  @Test
  void functionNamesHaveOneShape() {
    assertThat(FunctionName.isValid("orders")).isTrue();
    assertThat(FunctionName.isValid("orders-api_v2.prod:live")).isTrue();
    assertThat(FunctionName.isValid("a".repeat(FunctionName.MAX_LENGTH))).isTrue();

    assertThat(FunctionName.isValid(null)).isFalse();
    assertThat(FunctionName.isValid("")).isFalse();
    assertThat(FunctionName.isValid("-orders")).isFalse();
    assertThat(FunctionName.isValid("orders\nforged")).isFalse();
    assertThat(FunctionName.isValid("orders\u0000")).isFalse();
    assertThat(FunctionName.isValid("../orders")).isFalse();
    assertThat(FunctionName.isValid("orders api")).isFalse();
    assertThat(FunctionName.isValid("a".repeat(FunctionName.MAX_LENGTH + 1))).isFalse();
  }
}
