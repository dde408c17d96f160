package dev.tether.relay.audit;

import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * A filter over the trail, newest first: a time range (from inclusive, to exclusive), an actor,
 * a function, a type (or code), a session; {@code before} is the paging cursor (the last record
 * of the previous page).
 */
public record AuditQuery(
    Optional<Instant> from,
    Optional<Instant> to,
    Optional<String> user,
    Optional<String> function,
    Optional<String> type,
    Optional<String> session,
    Optional<Cursor> before,
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
    return before(new Cursor("", seq));
  }

  public AuditQuery before(Cursor cursor) {
    return new AuditQuery(from, to, user, function, type, session, Optional.of(cursor), limit);
  }

  /** True when {@code record} passes every filter (stores that cannot filter natively use it). */
  public boolean matches(AuditRecord record) {
    if (before.isPresent() && record.seq() >= before.get().seq()) {
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

  /**
   * A record's place in a trail several nodes write: the node's id ({@code ""} for a relay alone)
   * and the record's number in that node's chain. As text it is {@code seq} for node {@code ""}
   * (as before clusters) and {@code node:seq} otherwise; node ids never hold a colon.
   */
  public record Cursor(String node, long seq) {
    public Cursor {
      if (node == null || node.indexOf(':') >= 0) {
        throw new IllegalArgumentException("a node id never holds a colon");
      }
    }

    /** Reads {@link #toString()}'s form; throws {@link IllegalArgumentException} otherwise. */
    public static Cursor parse(String text) {
      int colon = text.lastIndexOf(':');
      try {
        return new Cursor(colon < 0 ? "" : text.substring(0, colon),
            Long.parseLong(text.substring(colon + 1)));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not a cursor: a record number, or node:number");
      }
    }

    @Override
    public String toString() {
      return node.isEmpty() ? Long.toString(seq) : node + ":" + seq;
    }
  }

  /**
   * One page of results, newest first; {@code next} is the cursor for the following page;
   * {@code nodes} names the node that wrote each record (all {@code ""} for a relay alone).
   */
  public record Page(List<AuditRecord> records, Optional<Cursor> next, List<String> nodes) {
    public Page {
      if (nodes.size() != records.size()) {
        throw new IllegalArgumentException("one node per record");
      }
    }

    /** A page of one relay's own trail. */
    public Page(List<AuditRecord> records, Optional<Cursor> next) {
      this(records, next, Collections.nCopies(records.size(), ""));
    }
  }
}
