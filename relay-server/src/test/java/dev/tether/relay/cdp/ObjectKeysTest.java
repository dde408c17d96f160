package dev.tether.relay.cdp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ObjectKeysTest {
  @Test
  void keysWhoseHashesCollideOnPurposeMoveToATreeAndDuplicatesAreStillFound() {
    ObjectKeys keys = new ObjectKeys();
    keys.start(true);
    for (int i = 0; i < 1 << 10; i++) { // "Aa" and "BB" have one hash: 2^10 keys alike
      String key = Integer.toBinaryString(i | 1 << 10).substring(1).replace("0", "Aa")
          .replace("1", "BB");
      assertThat(keys.add(key)).as(key).isTrue();
    }

    assertThat(keys.flooded()).isTrue();
    assertThat(keys.add("Aa".repeat(10))).isFalse();
    keys.start(true); // a nested object has keys of its own
    assertThat(keys.add("Aa".repeat(10))).isTrue();
  }

  @Test
  void manyDistinctKeysStayInTheTableAndTheNextMessageStartsEmpty() {
    ObjectKeys keys = new ObjectKeys();
    keys.start(true);
    for (int i = 0; i < 5_000; i++) {
      assertThat(keys.add("key" + i)).isTrue();
    }
    assertThat(keys.add("key4321")).isFalse();
    assertThat(keys.flooded()).isFalse();

    keys.clear();
    keys.start(true);
    assertThat(keys.add("key4321")).isTrue();
  }

  @Test
  void siblingObjectsInAnArrayEachHaveTheirOwnKeys() {
    ObjectKeys keys = new ObjectKeys();
    keys.start(true);
    keys.add("a");
    keys.start(false);
    keys.start(true);
    assertThat(keys.add("x")).isTrue();
    keys.end();
    keys.start(true);
    assertThat(keys.add("x")).isTrue();
    assertThat(keys.add("x")).isFalse();
    keys.end();
    keys.end();
    assertThat(keys.add("a")).isFalse();
  }
}
