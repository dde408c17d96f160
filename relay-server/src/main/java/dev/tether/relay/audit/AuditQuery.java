package dev.tether.relay.audit;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A filter over the trail, newest first: a time range (from inclusive, to exclusive), an actor,
 * a function, a type (or code), a session; {@code before} is the paging cursor (the seq of the
 * last record of the previous page).
 */
public record AuditQuery(
    Optional<Instant> from,
    Optional<Instant> to,
    Optional<String> user,
    Optional<String> function,
    Optional<String> type,
    Optional<String> session,
    Optional<Long> before,
    int limit) {

  public static final int MAX_LIMIT = 10_000;

  public AuditQuery {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT);
    }
  }

  /** Everything, newest first, at most {@code limit}. */
  public static AuditQuery latest(int limit) {
    return new AuditQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty(), limit);
  }

  public AuditQuery withType(String value) {
    return new AuditQuery(from, to, user, function, Optional.of(value), session, before, limit);
  }

  public AuditQuery withSession(String value) {
    return new AuditQuery(from, to, user, function, type, Optional.of(value), before, limit);
  }

  public AuditQuery withUser(String value) {
    return new AuditQuery(from, to, Optional.of(value), function, type, session, before, limit);
  }

  public AuditQuery withFunction(String value) {
    return new AuditQuery(from, to, user, Optional.of(value), type, session, before, limit);
  }

  public AuditQuery before(long seq) {
    return new AuditQuery(from, to, user, function, type, session, Optional.of(seq), limit);
  }

  /** True when {@code record} passes every filter (stores that cannot filter natively use it). */
  public boolean matches(AuditRecord record) {
    if (before.isPresent() && record.seq() >= before.get()) {
      return false;
    }
    if (from.isPresent() || to.isPresent()) {
      Instant time;
      try {
        time = Instant.parse(record.text("time"));
      } catch (RuntimeException e) {
        return false;
      }
      if (from.isPresent() && time.isBefore(from.get())) {
        return false;
      }
      if (to.isPresent() && !time.isBefore(to.get())) {
        return false;
      }
    }
    return same(user, record.text("actor"))
        && same(function, record.text("function"))
        && same(session, record.text("session"))
        && (type.isEmpty() || type.get().equals(record.text("type"))
            || type.get().equals(record.text("code")));
  }

  private static boolean same(Optional<String> wanted, String actual) {
    return wanted.isEmpty() || wanted.get().equals(actual);
  }

  /** One page of results, newest first; {@code next} is the cursor for the following page. */
  public record Page(List<AuditRecord> records, Optional<Long> next) {}
}
