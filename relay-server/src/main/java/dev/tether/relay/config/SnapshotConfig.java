package dev.tether.relay.config;

import dev.tether.protocol.SnapshotRedaction;
import java.time.Duration;
import java.util.List;

/**
 * How snapshot points behave on this relay ({@code "snapshots"} in the config file).
 *
 * @param redact the deny-list: captured values whose names contain one of these words are masked
 *     (default password, secret, token, authorization, cookie, key)
 * @param hitsPerSecond how often one point may hit on one instance per second before the shim
 *     disables it there (default 25)
 * @param pauseBudget how much pause one point may cost one instance per second before the shim
 *     disables it there (default 100ms: a tenth of one core at most)
 * @param maxPointsPerFunction active points per function (default 20)
 * @param maxStoredHits hits kept per point, oldest dropped first (default 100)
 * @param maxExpiresIn the longest a point may stay set (default 24h; a point's default is 1h)
 */
public record SnapshotConfig(
    List<String> redact, int hitsPerSecond, Duration pauseBudget, int maxPointsPerFunction,
    int maxStoredHits, Duration maxExpiresIn) {
  public SnapshotConfig {
    redact = redact == null ? SnapshotRedaction.DEFAULT_WORDS : List.copyOf(redact);
    if (redact.stream().anyMatch(String::isBlank)) {
      throw new IllegalArgumentException("snapshots.redact entries must not be blank");
    }
    hitsPerSecond = hitsPerSecond == 0 ? 25 : hitsPerSecond;
    if (hitsPerSecond < 1 || hitsPerSecond > 10_000) {
      throw new IllegalArgumentException("snapshots.hitsPerSecond must be 1-10000, was " + hitsPerSecond);
    }
    pauseBudget = pauseBudget == null ? Duration.ofMillis(100) : pauseBudget;
    if (pauseBudget.toMillis() < 1 || pauseBudget.toMillis() > 1000) {
      throw new IllegalArgumentException("snapshots.pauseBudget is per second: 1ms-1000ms, was "
          + Durations.format(pauseBudget));
    }
    maxPointsPerFunction = maxPointsPerFunction == 0 ? 20 : maxPointsPerFunction;
    if (maxPointsPerFunction < 1 || maxPointsPerFunction > 64) {
      throw new IllegalArgumentException("snapshots.maxPointsPerFunction must be 1-64");
    }
    maxStoredHits = maxStoredHits == 0 ? 100 : maxStoredHits;
    if (maxStoredHits < 1 || maxStoredHits > 1000) {
      throw new IllegalArgumentException("snapshots.maxStoredHits must be 1-1000");
    }
    maxExpiresIn = maxExpiresIn == null ? Duration.ofHours(24) : maxExpiresIn;
    if (maxExpiresIn.toSeconds() < 1) {
      throw new IllegalArgumentException("snapshots.maxExpiresIn must be at least 1s");
    }
  }

  public static SnapshotConfig defaults() {
    return new SnapshotConfig(null, 0, null, 0, 0, null);
  }
}
