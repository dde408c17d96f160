package dev.tether.relay.audit;

import java.util.Optional;

/**
 * Walks stored records in order and finds the first that breaks the chain: one that is not a
 * record (torn or mangled), whose hash does not match its content (edited), whose sequence number
 * is not the next one (deleted, reordered, inserted), or whose {@code prev} is not the hash of
 * the record before it. {@link #finish} compares the end with the store's head, which catches
 * records removed from the end.
 */
public final class ChainVerifier {
  private long expected = 1;
  private String prevHash = AuditRecord.GENESIS;
  private String prevLocation = "the start of the trail";
  private long records;
  private Problem problem;

  /** A broken link: where, and what is wrong with it. */
  public record Problem(String location, long seq, String message) {}

  /** The outcome: how many records were checked, and the first problem if any. */
  public record Report(long records, long lastSeq, Optional<Problem> problem) {
    public boolean intact() {
      return problem.isEmpty();
    }
  }

  /** Checks the next stored line; false once a problem was found (the rest is not checked). */
  public boolean accept(String location, String line) {
    if (problem != null) {
      return false;
    }
    AuditRecord record;
    try {
      record = AuditRecord.parse(line);
    } catch (IllegalArgumentException e) {
      return fail(location, expected, "is not a valid audit record (" + e.getMessage()
          + "): it was edited or cut short");
    }
    if (!record.intact()) {
      return fail(location, record.seq(),
          "was edited: its hash does not match its content");
    }
    if (record.seq() > expected) {
      return fail(location, record.seq(), "follows record " + (expected - 1) + " but is number "
          + record.seq() + ": " + (record.seq() == expected + 1 ? "record " + expected + " is"
          : "records " + expected + ".." + (record.seq() - 1) + " are")
          + " missing here (deleted, or moved by reordering)");
    }
    if (record.seq() < expected) {
      return fail(location, record.seq(), "is number " + record.seq() + " but comes after "
          + (expected - 1) + " (" + prevLocation + "): records were reordered or one was inserted");
    }
    if (!record.prev().equals(prevHash)) {
      return fail(location, record.seq(), "does not link to the record before it (" + prevLocation
          + "): a record was inserted, replaced or reordered");
    }
    prevHash = record.hash();
    prevLocation = location;
    expected++;
    records++;
    return true;
  }

  /** Ends the walk; {@code head} is the last record the store says it wrote, if it keeps one. */
  public Report finish(Optional<Head> head) {
    if (problem == null && head.isPresent()) {
      Head h = head.get();
      long last = expected - 1;
      if (h.seq() > last) {
        fail("the end of the trail", last + 1, "is missing: the trail ends at record " + last
            + " but the store's head says " + h.seq() + " were written: records " + (last + 1)
            + ".." + h.seq() + " were removed (truncated)");
      } else if (h.seq() == last && last > 0 && !h.hash().equals(prevHash)) {
        fail(prevLocation, last, "is not the record the store's head names: the end of the trail"
            + " was replaced");
      }
    }
    return new Report(records, expected - 1, Optional.ofNullable(problem));
  }

  private boolean fail(String location, long seq, String message) {
    problem = new Problem(location, seq, "record " + seq + " at " + location + " " + message);
    return false;
  }

  /** The last record a store says it wrote: its number and hash. */
  public record Head(long seq, String hash) {}
}
