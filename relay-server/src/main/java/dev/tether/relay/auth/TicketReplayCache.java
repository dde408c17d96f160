package dev.tether.relay.auth;

import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * Remembers redeemed ticket ids until they expire, so each attach ticket opens at most one
 * session. Bounded by time, not by a count: an id is kept exactly until its ticket's expiry (at
 * most a minute plus the clock skew, as the verifier checks) and purged then, so no number of
 * redeemed tickets makes another user's ticket fail. What it holds is at most the tickets minted
 * in the last ~90 s, which the per-user minting limit ({@link TicketMinting}) keeps small.
 */
public final class TicketReplayCache {
  /** What redeeming a ticket id found. */
  public enum Outcome {
    FIRST_USE,
    REPLAYED,
    EXPIRED
  }

  private record Entry(Instant expiresAt, String id) {}

  private final Clock clock;
  private final Map<String, Instant> used = new HashMap<>();
  private final PriorityQueue<Entry> byExpiry =
      new PriorityQueue<>((a, b) -> a.expiresAt().compareTo(b.expiresAt()));

  public TicketReplayCache(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** True the first time a live ticket id is seen; false for a replay or an expired ticket. */
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
