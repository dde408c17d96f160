package dev.tether.relay.auth;

import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * Remembers redeemed ticket ids until they expire, so each attach ticket opens at most one
 * session. Bounded: when full of live tickets it refuses new ones rather than forget old ones.
 */
public final class TicketReplayCache {
  public static final int DEFAULT_MAX_ENTRIES = 100_000;

  /** What redeeming a ticket id found. */
  public enum Outcome {
    FIRST_USE,
    REPLAYED,
    EXPIRED,
    FULL
  }

  private record Entry(Instant expiresAt, String id) {}

  private final Clock clock;
  private final int maxEntries;
  private final Map<String, Instant> used = new HashMap<>();
  private final PriorityQueue<Entry> byExpiry =
      new PriorityQueue<>((a, b) -> a.expiresAt().compareTo(b.expiresAt()));

  public TicketReplayCache(Clock clock) {
    this(clock, DEFAULT_MAX_ENTRIES);
  }

  public TicketReplayCache(Clock clock, int maxEntries) {
    this.clock = Objects.requireNonNull(clock, "clock");
    if (maxEntries < 1) {
      throw new IllegalArgumentException("the replay cache needs room for at least one ticket");
    }
    this.maxEntries = maxEntries;
  }

  /**
   * True the first time a live ticket id is seen; false for a replay, an already expired ticket,
   * or when the cache is full.
   */
  public boolean markUsed(String ticketId, Instant expiresAt) {
    return redeem(ticketId, expiresAt) == Outcome.FIRST_USE;
  }

  /** Records the ticket id as used, remembering it until {@code expiresAt}. */
  public synchronized Outcome redeem(String ticketId, Instant expiresAt) {
    Objects.requireNonNull(ticketId, "ticketId");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Instant now = clock.instant();
    purge(now);
    if (used.containsKey(ticketId)) {
      return Outcome.REPLAYED;
    }
    if (!expiresAt.isAfter(now)) {
      return Outcome.EXPIRED;
    }
    if (used.size() >= maxEntries) {
      return Outcome.FULL;
    }
    used.put(ticketId, expiresAt);
    byExpiry.add(new Entry(expiresAt, ticketId));
    return Outcome.FIRST_USE;
  }

  /** How many ticket ids are remembered right now. */
  public synchronized int size() {
    purge(clock.instant());
    return used.size();
  }

  private void purge(Instant now) {
    while (!byExpiry.isEmpty() && !byExpiry.peek().expiresAt().isAfter(now)) {
      used.remove(byExpiry.poll().id());
    }
  }
}
