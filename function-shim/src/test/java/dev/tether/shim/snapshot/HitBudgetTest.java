package dev.tether.shim.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The per-point budget: hits and pause per second, with a location's first, cold pause spared. */
class HitBudgetTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void aHotPauseOverTheBudgetDisablesThePoint() {
    HitBudget budget = new HitBudget(25, 100);
    assertThat(budget.hit(0)).isNull();
    assertThat(budget.paused(150, false)).contains("over the budget of 100.0 ms");
  }

  @Test
  void theFirstColdPauseAfterTheInspectorOpensDoesNotCountAgainstThePauseBudget() {
    HitBudget budget = new HitBudget(25, 100);
    assertThat(budget.hit(0)).isNull();
    assertThat(budget.paused(150, true)).isNull();
    assertThat(budget.hit(1)).isNull();
    assertThat(budget.paused(60, false)).isNull();
    assertThat(budget.hit(2)).isNull();
    assertThat(budget.paused(60, false)).as("hot pauses still add up").contains("120.0 ms");
  }

  @Test
  void aColdHitStillCountsAsAHit() {
    HitBudget budget = new HitBudget(1, 100);
    assertThat(budget.hit(0)).isNull();
    assertThat(budget.paused(150, true)).isNull();
    assertThat(budget.hit(1)).contains("more than 1 times");
  }

  @Test
  void theWindowStartsAfreshEachSecond() {
    HitBudget budget = new HitBudget(1, 100);
    assertThat(budget.hit(0)).isNull();
    assertThat(budget.paused(90, false)).isNull();
    assertThat(budget.hit(SECOND)).isNull();
    assertThat(budget.paused(90, false)).isNull();
  }
}
