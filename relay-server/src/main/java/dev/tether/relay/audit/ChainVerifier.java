package dev.tether.relay.audit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Walks stored records in order and finds the first that breaks the chain: one that is not a
 * record (torn or mangled), whose hash does not match its content (edited), whose sequence number
 * is not the next one (deleted, reordered, inserted), or whose {@code prev} is not the hash of
 * the record before it.
 *
 * <p>The hash alone is unkeyed: whoever can write the storage can re-hash a rewritten trail. What
 * vouches for the trail is the relay's signed head ({@link #head}): it must verify with the
 * relay's key, name a record of the trail with that record's hash, and be its last record. The
 * seals of earlier batches ({@link #seal}, given before the walk) say where a rewritten trail
 * parts from what the relay signed; their signatures are checked only when a verdict rests on
 * them, so a long trail costs one signature check, not one per batch. A problem names the first
 * record the signatures can no longer vouch for: the one after the last signed record that still
 * matches.
 */
public final class ChainVerifier {
  /** How many of the last records are remembered to check a head read after the walk. */
  static final int MAX_TAIL = 10_000;

  private final SealVerifier keys;
  private final Map<Long, Signed> seals = new TreeMap<>();
  private Signed head;
  private String headRefused;
  private String headLocation = "the head";

  private long expected = 1;
  private String prevHash = AuditRecord.GENESIS;
  private String prevLocation = "the start of the trail";
  private long records;
  private Signed lastMatch; // the last seal the trail still matches (its signature unchecked)
  private Place afterMatch; // the first record after it
  private final LinkedHashMap<Long, Place> tail = new LinkedHashMap<>();
  private Problem problem;
  private Problem sealMismatch;
  private final List<Problem> unsignedNotes = new ArrayList<>();

  /** A broken link: where, and what is wrong with it. */
  public record Problem(String location, long seq, String message) {}

  /**
   * The outcome: how many records were checked, the first problem if any, and the signed head
   * the trail was checked against.
   */
  public record Report(long records, long lastSeq, Optional<Problem> problem,
      Optional<AuditSeal> head, List<Problem> unsignedNotes) {
    public boolean intact() {
      return problem.isEmpty();
    }
  }

  /**
   * One report for several chains (a cluster's nodes, in order): the first problem of any, the
   * records of all, and the head of the last.
   */
  public static Report combine(Map<String, Report> chains) {
    if (chains.size() == 1) {
      return chains.values().iterator().next();
    }
    long records = 0;
    long lastSeq = 0;
    Optional<Problem> problem = Optional.empty();
    Optional<AuditSeal> head = Optional.empty();
    List<Problem> notes = new ArrayList<>();
    for (Report chain : chains.values()) {
      records += chain.records();
      lastSeq = Math.max(lastSeq, chain.lastSeq());
      problem = problem.or(chain::problem);
      head = chain.head().isPresent() ? chain.head() : head;
      notes.addAll(chain.unsignedNotes());
    }
    return new Report(records, lastSeq, problem, head, List.copyOf(notes));
  }

  private record Signed(String location, AuditSeal seal) {}

  /** A record's place and hash. */
  private record Place(long seq, String location, String hash) {}

  public ChainVerifier(SealVerifier keys) {
    this.keys = keys;
  }

  /** Takes one stored seal (a JWS) before the walk; one that is no seal at all is a problem. */
  public void seal(String location, String jws) {
    if (problem != null) {
      return;
    }
    try {
      AuditSeal seal = SealVerifier.peek(jws);
      seals.putIfAbsent(seal.seq(), new Signed(location, seal));
    } catch (SealVerifier.Refused e) {
      forged(location, e.getMessage());
    }
  }

  /**
   * Takes the store's head: the seal of the last record it wrote, empty when there is none (a
   * new trail, or one written before heads were signed). May be given again, before
   * {@link #finish}; the last one counts.
   */
  public void head(String location, Optional<String> jws) {
    headLocation = location;
    head = null;
    headRefused = null;
    if (jws.isEmpty()) {
      headRefused = location + " holds no signed head";
      return;
    }
    try {
      head = new Signed(location, keys.read(jws.get()));
    } catch (SealVerifier.Refused e) {
      headRefused = location + " " + e.getMessage();
    }
  }

  /** The seq of the head given to {@link #head}, or -1 without a valid one. */
  public long headSeq() {
    return head == null ? -1 : head.seal().seq();
  }

  /** The last record accepted so far. */
  public long lastSeq() {
    return expected - 1;
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
    if (AuditCode.AUDIT_UNSIGNED.code().equals(record.fields().get("code"))) {
      // The relay found, at a start, records after its last signed head; whatever seal follows
      // also covers them, so the signatures alone cannot vouch for the trail before this note.
      unsignedNotes.add(new Problem(location, record.seq(), "record " + record.seq() + " ("
          + location + ") is the relay's note that at a start it found records it had not"
          + " signed (" + problemOf(record) + "); the seals after it also cover"
          + " those records, so nothing before it is vouched for by a signature"));
    }
    Place place = new Place(record.seq(), location, record.hash());
    if (afterMatch == null) {
      afterMatch = place;
    }
    Signed signed = sealMismatch == null ? seals.get(record.seq()) : null;
    if (signed != null && signed.seal().hash().equals(record.hash())) {
      lastMatch = signed;
      afterMatch = null;
    } else if (signed != null) {
      mismatch(signed, place);
    }
    tail.put(record.seq(), place);
    if (tail.size() > MAX_TAIL) {
      tail.remove(tail.keySet().iterator().next());
    }
    prevHash = record.hash();
    prevLocation = location;
    expected++;
    records++;
    return true;
  }

  /** Ends the walk: checks that everything signed is there and that the head covers it all. */
  public Report finish() {
    long last = expected - 1;
    if (problem == null && sealMismatch != null) {
      problem = sealMismatch;
      records = sealMismatch.seq() - 1; // the walk went on past it, looking for a broken link
    }
    if (problem == null) {
      Signed beyond = beyond(last);
      if (beyond != null && genuine(beyond)) {
        long signedSeq = beyond.seal().seq();
        fail("the end of the trail", last + 1, "is missing: the trail ends at record " + last
            + " but the relay signed record " + signedSeq + " (" + beyond.location() + "):"
            + " records " + (last + 1) + ".." + signedSeq + " were removed (truncated, or"
            + " deleted and the rest renumbered)");
      } else if (beyond == null && last > 0) {
        checkHead(last);
      }
    }
    return new Report(records, last, Optional.ofNullable(problem),
        Optional.ofNullable(head).map(Signed::seal), List.copyOf(unsignedNotes));
  }

  private void checkHead(long last) {
    if (headRefused != null) {
      if (genuine(lastMatch)) {
        unvouched(afterMatch, headRefused + ", so nothing after record " + matchedSeq()
            + " is vouched for");
      }
      return;
    }
    AuditSeal seal = head.seal();
    Place at = tail.get(seal.seq());
    if (at == null) {
      fail(headLocation, seal.seq(), "is where the relay's signed head points, more than "
          + MAX_TAIL + " records before the end of the trail (" + last + "): records " + (seal.seq()
          + 1) + ".." + last + " are not vouched for");
    } else if (!at.hash().equals(seal.hash())) {
      if (genuine(lastMatch)) {
        unvouched(afterMatch, "record " + seal.seq() + " (" + at.location() + ") is not the"
            + " record the relay's signed head names (" + head.location() + ", signed at "
            + seal.signedAt() + "): records after " + matchedSeq()
            + " were deleted, edited or re-hashed since");
      }
    } else if (seal.seq() < last) {
      unvouched(tail.get(seal.seq() + 1), "the relay's signed head ends at record " + seal.seq()
          + " (signed at " + seal.signedAt() + "), so records " + (seal.seq() + 1) + ".." + last
          + " were added without the relay's key (or the relay stopped before signing them; it"
          + " records that when it starts again)");
    }
  }

  /** A seal the trail no longer matches: the verdict, once its signature proves it genuine. */
  private void mismatch(Signed signed, Place place) {
    if (!genuine(signed) || !genuine(lastMatch)) {
      return;
    }
    Place first = afterMatch == null ? place : afterMatch;
    // Reported at the end unless the chain itself breaks further on, which says more.
    sealMismatch = new Problem(first.location(), first.seq(), "record " + first.seq() + " at "
        + first.location() + " can no longer be vouched for: record " + place.seq() + " ("
        + place.location() + ") is not the record the relay signed at "
        + signed.seal().signedAt() + " (" + signed.location() + "): records after "
        + matchedSeq() + " were deleted, edited or re-hashed since");
  }

  /** True when the relay signed {@code signed} (or there is none); a forgery is the problem. */
  private boolean genuine(Signed signed) {
    if (signed == null || signed == head) {
      return true;
    }
    try {
      keys.read(signed.seal().jws());
      return true;
    } catch (SealVerifier.Refused e) {
      forged(signed.location(), e.getMessage());
      return false;
    }
  }

  private void forged(String location, String why) {
    fail(location, 0, "the seal at " + location + " " + why
        + ": someone without the relay's key wrote it");
  }

  private long matchedSeq() {
    return lastMatch == null ? 0 : lastMatch.seal().seq();
  }

  private Signed beyond(long last) {
    Signed furthest = head != null && head.seal().seq() > last ? head : null;
    for (Signed seal : seals.values()) {
      if (seal.seal().seq() > last
          && (furthest == null || seal.seal().seq() > furthest.seal().seq())) {
        furthest = seal;
      }
    }
    return furthest;
  }

  /** Fails naming {@code first}, the first record the signatures no longer vouch for. */
  private void unvouched(Place first, String why) {
    if (first == null) { // every record up to a genuine seal matches it: blame the head
      fail(headLocation, expected - 1, "the trail's signed head is not the relay's: " + why);
      return;
    }
    records = Math.min(records, first.seq() - 1);
    fail(first.location(), first.seq(), "can no longer be vouched for: " + why);
  }

  private boolean fail(String location, long seq, String message) {
    if (problem == null) {
      problem = new Problem(location, seq,
          seq == 0 ? message : "record " + seq + " at " + location + " " + message);
    }
    return false;
  }

  private static Object problemOf(AuditRecord record) {
    return record.fields().get("details") instanceof Map<?, ?> details
        ? details.get("problem") : null;
  }
}
