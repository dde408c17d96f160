package dev.tether.relay.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/**
 * How many attach tickets each user (issuer and subject) may have the relay sign: a bucket of
 * {@code perMinute} tickets per user, refilled evenly over a minute. A user who opens sessions and
 * reloads DevTools by hand never meets it; a script minting tickets in a loop is told to wait.
 * Buckets that have refilled are forgotten, so memory follows the users active in the last minute.
 */
public final class TicketMinting {
  private static final Duration MINUTE = Duration.ofMinutes(1);
  /** Past this many buckets, each mint first drops the full ones. */
  private static final int SWEEP_ABOVE = 1024;

  private final int perMinute;
  private final Clock clock;
  private final Map<UserId, Bucket> buckets = new HashMap<>();

  private static final class Bucket {
    double tickets;
    Instant updated;

    Bucket(double tickets, Instant updated) {
      this.tickets = tickets;
      this.updated = updated;
    }
  }

  public TicketMinting(int perMinute, Clock clock) {
    if (perMinute < 1) {
      throw new IllegalArgumentException("ticketsPerMinute must be at least 1, was " + perMinute);
    }
    this.perMinute = perMinute;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public int perMinute() {
    return perMinute;
  }

  /**
   * Takes one ticket from {@code user}'s bucket: {@link Duration#ZERO} when granted, otherwise
   * how long until the next one is (at least a second).
   */
  public synchronized Duration take(UserId user) {
    Instant now = clock.instant();
    if (buckets.size() > SWEEP_ABOVE) {
      sweep(now);
    }
    Bucket bucket = buckets.computeIfAbsent(user, u -> new Bucket(perMinute, now));
    refill(bucket, now);
    if (bucket.tickets >= 1) {
      bucket.tickets -= 1;
      return Duration.ZERO;
    }
    double secondsPerTicket = 60.0 / perMinute;
    long waitSeconds = (long) Math.ceil((1 - bucket.tickets) * secondsPerTicket);
    return Duration.ofSeconds(Math.max(1, waitSeconds));
  }

  private void refill(Bucket bucket, Instant now) {
    long elapsedNanos = Math.max(0, Duration.between(bucket.updated, now).toNanos());
    bucket.tickets =
        Math.min(perMinute, bucket.tickets + (double) elapsedNanos * perMinute / MINUTE.toNanos());
    bucket.updated = now;
  }

  private void sweep(Instant now) {
    for (Iterator<Bucket> it = buckets.values().iterator(); it.hasNext(); ) {
      Bucket bucket = it.next();
      refill(bucket, now);
      if (bucket.tickets >= perMinute) {
        it.remove();
      }
    }
  }
}
