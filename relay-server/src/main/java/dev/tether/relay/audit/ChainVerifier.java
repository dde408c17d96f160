package dev.tether.relay.audit;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Walks stored records in order and finds the first that breaks the chain: one that is not a
 * record (torn or mangled), whose hash does not match its content (edited), whose sequence number
 * is not the next one (deleted, reordered, inserted), or whose {@code prev} is not the hash of
 * the record before it.
 *
 * <p>The hash alone is unkeyed: whoever can write the storage can re-hash a rewritten trail. So
 * the walk also holds the trail against the relay's signed seals (one per batch written, given
 * with {@link #seal} before the walk) and its signed head ({@link #head}): a record the relay
 * signed must still have the hash it signed, nothing the relay signed may be missing from the
 * end, and every record must be covered by the signed head. When they disagree, the problem names
 * the first record the signatures can no longer vouch for: the one after the last signed record
 * that still matches.
 */
public final class ChainVerifier {
  private final SealVerifier keys;
  private final Map<Long, Signed> seals = new TreeMap<>();
  private Signed head;
  private String headRefused;
  private String headLocation = "the head";

  private long expected = 1;
  private String prevHash = AuditRecord.GENESIS;
  private String prevLocation = "the start of the trail";
  private long records;
  private long vouched; // the last record a seal vouches for
  // the records after it, so a head read after the walk can still be checked: normally one batch
  private final LinkedHashMap<Long, Unsealed> tail = new LinkedHashMap<>();
  private Place firstUnsealed; // its seq and place, while the tail is not empty
  private Problem problem;
  private Problem sealMismatch;

  /** A broken link: where, and what is wrong with it. */
  public record Problem(String location, long seq, String message) {}

  /**
   * The outcome: how many records were checked, the first problem if any, and the signed head
   * the trail was checked against.
   */
  public record Report(long records, long lastSeq, Optional<Problem> problem,
      Optional<AuditSeal> head) {
    public boolean intact() {
      return problem.isEmpty();
    }
  }

  private record Signed(String location, AuditSeal seal) {}

  private record Unsealed(String hash, String location) {}

  private record Place(long seq, String location) {}

  /** How many unsealed records at the end are remembered to check the head against. */
  static final int MAX_TAIL = 100_000;

  public ChainVerifier(SealVerifier keys) {
    this.keys = keys;
  }

  /** Takes one stored seal (a JWS) before the walk; a seal the relay did not sign is a problem. */
  public void seal(String location, String jws) {
    if (problem != null) {
      return;
    }
    try {
      AuditSeal seal = keys.read(jws);
      seals.putIfAbsent(seal.seq(), new Signed(location, seal));
    } catch (SealVerifier.Refused e) {
      fail(location, 0, "the seal at " + location + " " + e.getMessage()
          + ": someone without the relay's key wrote it");
    }
  }

  /**
   * Takes the store's head: the seal of the last record it wrote, empty when there is none (a
   * new trail, or one written before heads were signed).
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
    Signed signed = sealMismatch == null ? seals.get(record.seq()) : null;
    if (signed != null && !signed.seal().hash().equals(record.hash())) {
      // Reported at the end unless the chain itself breaks further on, which says more.
      Place first = tail.isEmpty() ? new Place(record.seq(), location) : firstUnsealed;
      sealMismatch = new Problem(first.location(), first.seq(), "record " + first.seq() + " at "
          + first.location() + " can no longer be vouched for: record " + record.seq() + " ("
          + location + ") is not the record the relay signed at " + signed.seal().signedAt()
          + " (" + signed.location() + "): records after " + vouched
          + " were deleted, edited or re-hashed since");
    } else if (signed != null) {
      vouched = record.seq();
      tail.clear();
    } else {
      remember(record.seq(), record.hash(), location);
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
      if (beyond != null) {
        long signedSeq = beyond.seal().seq();
        fail("the end of the trail", last + 1, "is missing: the trail ends at record " + last
            + " but the relay signed record " + signedSeq + " (" + beyond.location() + "):"
            + " records " + (last + 1) + ".." + signedSeq + " were removed (truncated, or"
            + " deleted and the rest renumbered)");
      } else if (headRefused != null && last > 0) {
        if (!tail.isEmpty()) {
          unvouched(headRefused + ", so nothing after record " + vouched + " is vouched for");
        } else {
          fail(headLocation, last, "the trail's signed head is not the relay's: " + headRefused);
        }
      } else if (head != null && !tail.isEmpty()) {
        checkHead(last);
      }
    }
    return new Report(records, last, Optional.ofNullable(problem),
        Optional.ofNullable(head).map(Signed::seal));
  }

  private void checkHead(long last) {
    AuditSeal seal = head.seal();
    if (seal.seq() > vouched) {
      Unsealed at = tail.get(seal.seq());
      if (at == null) {
        unvouched("the relay's signed head names record " + seal.seq() + ", which is more than "
            + MAX_TAIL + " records after the last seal: the seals were removed");
        return;
      }
      if (!at.hash().equals(seal.hash())) {
        unvouched("record " + seal.seq() + " (" + at.location() + ") is not the record the"
            + " relay's signed head names (" + head.location() + ", signed at "
            + seal.signedAt() + "): records after " + vouched
            + " were deleted, edited or re-hashed since");
        return;
      }
      vouched = seal.seq();
      tail.keySet().removeIf(seq -> seq <= seal.seq());
      if (!tail.isEmpty()) {
        Map.Entry<Long, Unsealed> next = tail.entrySet().iterator().next();
        firstUnsealed = new Place(next.getKey(), next.getValue().location());
      }
    }
    if (!tail.isEmpty()) {
      unvouched("the relay's signed head ends at record " + seal.seq() + " (signed at "
          + seal.signedAt() + "), so records " + (vouched + 1) + ".." + last + " were added"
          + " without the relay's key (or the relay stopped before signing them; it records"
          + " that when it starts again)");
    }
  }

  private void remember(long seq, String hash, String location) {
    if (tail.isEmpty()) {
      firstUnsealed = new Place(seq, location);
    }
    if (tail.size() >= MAX_TAIL) {
      tail.remove(tail.keySet().iterator().next());
    }
    tail.put(seq, new Unsealed(hash, location));
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

  /** Fails naming the first record after the last one a signature still vouches for. */
  private boolean unvouched(String why) {
    records = Math.min(records, firstUnsealed.seq() - 1);
    return fail(firstUnsealed.location(), firstUnsealed.seq(),
        "can no longer be vouched for: " + why);
  }

  private boolean fail(String location, long seq, String message) {
    if (problem == null) {
      problem = new Problem(location, seq,
          seq == 0 ? message : "record " + seq + " at " + location + " " + message);
    }
    return false;
  }
}
