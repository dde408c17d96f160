package dev.tether.relay.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every audit store must do, run against each store: append and continue the chain,
 * answer queries newest first with filters and paging, and let {@code verify} name the first bad
 * record for each way a trail can be tampered with.
 */
abstract class AuditStoreContract {
  static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");

  protected final TestKeys keys = TestKeys.generate();
  protected AuditStore store;
  protected final List<AuditRecord> written = new ArrayList<>();
  /** The seals the relay made, one per batch, in order. */
  protected final List<AuditSeal> sealed = new ArrayList<>();

  /** A new, empty store. */
  protected abstract AuditStore newStore() throws Exception;

  /** Another store object over the same storage, as after a relay restart. */
  protected abstract AuditStore sameStorage() throws Exception;

  /** Rewrites the stored text of record {@code seq}, as someone with file or table access could. */
  protected abstract void rewrite(long seq, UnaryOperator<String> edit) throws Exception;

  protected abstract void delete(long seq) throws Exception;

  /** Exchanges the stored places of two records. */
  protected abstract void swap(long a, long b) throws Exception;

  /** Puts {@code line} right after record {@code seq}. */
  protected abstract void insertAfter(long seq, String line) throws Exception;

  /** Removes every record after {@code seq}. */
  protected abstract void truncateAfter(long seq) throws Exception;

  /** Replaces every stored record with {@code lines}, as someone with write access could. */
  protected abstract void replaceTrail(List<String> lines) throws Exception;

  /** Points the store's head at {@code seq}/{@code hash}, as someone without the key could. */
  protected abstract void forgeHead(long seq, String hash) throws Exception;

  /** Replaces every stored seal with {@code seals} and the head with {@code head} (none: null). */
  protected abstract void replaceSeals(List<AuditSeal> seals, AuditSeal head) throws Exception;

  @BeforeEach
  void open() throws Exception {
    store = newStore();
    store.open();
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  /** Appends {@code n} events (actor u0,u1,… function f0/f1, one second apart) in two batches. */
  protected void append(int n) throws Exception {
    List<AuditRecord> batch = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long seq = written.size() + 1;
      String prev = written.isEmpty() ? AuditRecord.GENESIS : written.get(written.size() - 1).hash();
      AuditRecord record = AuditRecord.seal(seq, prev, event(i));
      written.add(record);
      batch.add(record);
      if (batch.size() == Math.max(1, n / 2)) {
        appendSealed(batch);
        batch = new ArrayList<>();
      }
    }
    if (!batch.isEmpty()) {
      appendSealed(batch);
    }
  }

  private void appendSealed(List<AuditRecord> batch) throws Exception {
    AuditSeal seal = keys.sealLast(batch);
    store.append(batch, seal);
    sealed.add(seal);
  }

  static AuditEvent event(int i) {
    return AuditEvent.of(i % 3 == 0 ? AuditCode.CDP_COMMAND : AuditCode.SESSION_ATTACHED)
        .at(T0.plusSeconds(written(i))).actor("u" + (i % 2)).function("f" + (i % 2))
        .session("s" + (i % 4)).detail("n", (long) i).detail("text", "ünïcode \"quoted\" " + i)
        .build();
  }

  private static long written(int i) {
    return i;
  }

  @Test
  void anIntactTrailVerifies() throws Exception {
    append(10);

    ChainVerifier.Report report = store.verify(keys.verifier());

    assertThat(report.problem()).isEmpty();
    assertThat(report.records()).isEqualTo(10);
    assertThat(report.lastSeq()).isEqualTo(10);
  }

  @Test
  void anEmptyTrailVerifies() throws Exception {
    assertThat(store.verify(keys.verifier()).intact()).isTrue();
  }

  @Test
  void aStoreOpenedAgainContinuesTheChainFromItsLastRecord() throws Exception {
    append(5);
    store.close();
    store = sameStorage();
    store.open();

    AuditRecord last = store.last().orElseThrow();

    assertThat(last.seq()).isEqualTo(5);
    assertThat(last.hash()).isEqualTo(written.get(4).hash());
    append(3);
    assertThat(store.verify(keys.verifier()).records()).isEqualTo(8);
  }

  @Test
  void anEditedRecordIsNamed() throws Exception {
    append(6);

    rewrite(3, line -> line.replace("\"actor\":\"u0\"", "\"actor\":\"mallory\""));

    assertProblem(3, "was edited");
  }

  @Test
  void anEditedRecordWhoseHashWasRecomputedBreaksTheLinkOfTheNext() throws Exception {
    append(6);
    AuditRecord forged = AuditRecord.seal(3, written.get(1).hash(),
        AuditEvent.of(AuditCode.SESSION_CLOSED).at(T0).actor("nobody").build());

    rewrite(3, line -> forged.line());

    assertProblem(4, "does not link");
  }

  @Test
  void aDeletedRecordIsNamed() throws Exception {
    append(6);

    delete(3);

    assertProblem(4, "record 3 is missing");
  }

  @Test
  void reorderedRecordsAreNamed() throws Exception {
    append(6);

    swap(3, 4);

    assertProblem(4, "missing here");
  }

  @Test
  void anInsertedRecordIsNamed() throws Exception {
    append(6);
    AuditRecord forged = AuditRecord.seal(4, written.get(2).hash(),
        AuditEvent.of(AuditCode.SESSION_CLOSED).at(T0).actor("nobody").build());

    insertAfter(3, forged.line());

    assertProblem(4, "one was inserted");
  }

  @Test
  void recordsCutOffTheEndAreNamed() throws Exception {
    append(6);

    truncateAfter(4);

    assertProblem(5, "truncated");
  }

  @Test
  void deletingAUsersCommandsThenReHashingTheRestAndRewritingTheHeadIsNamed() throws Exception {
    append(6);
    append(6); // four batches of three: seq 4 and 10 are u1's cdp.command records
    List<AuditRecord> kept = written.stream()
        .filter(r -> !(r.text("type").equals("cdp.command") && r.text("actor").equals("u1")))
        .toList();

    List<String> forged = Tamper.rechain(kept);
    replaceTrail(forged);
    AuditRecord newLast = AuditRecord.parse(forged.get(forged.size() - 1));
    forgeHead(newLast.seq(), newLast.hash());

    assertThat(kept).hasSize(10);
    assertThat(written.get(3).text("actor")).isEqualTo("u1");
    assertProblem(4, "can no longer be vouched for");
  }

  @Test
  void aRewrittenTrailResealedWithAnotherKeyIsRefused() throws Exception {
    append(6);
    append(6);
    List<String> forged = Tamper.rechain(written.subList(0, 9));
    replaceTrail(forged);
    TestKeys attacker = TestKeys.generate();
    AuditRecord last = AuditRecord.parse(forged.get(forged.size() - 1));
    AuditSeal fake = attacker.signer().sign(last.seq(), last.hash());

    replaceSeals(List.of(fake), fake);

    ChainVerifier.Report report = store.verify(keys.verifier());
    assertThat(report.intact()).isFalse();
    assertThat(report.problem().orElseThrow().message())
        .contains("signed with a key the relay does not have", "without the relay's key");
  }

  @Test
  void anOldSignedHeadCannotHideARewriteAfterIt() throws Exception {
    append(6);
    append(6); // sealed at 3, 6, 9, 12
    List<AuditRecord> kept = new ArrayList<>(written);
    kept.remove(6); // record 7
    replaceTrail(Tamper.rechain(kept));

    replaceSeals(List.of(), sealed.get(1)); // the genuine head of record 6, which still matches

    assertProblem(7, "can no longer be vouched for");
  }

  @Test
  void removingTheSealsLeavesTheSignedHeadToCatchARewrite() throws Exception {
    append(6);
    append(6);
    List<AuditRecord> kept = new ArrayList<>(written);
    kept.remove(3);
    List<String> forged = Tamper.rechain(kept);
    replaceTrail(forged);

    replaceSeals(List.of(), sealed.get(sealed.size() - 1));

    ChainVerifier.Report report = store.verify(keys.verifier());
    assertThat(report.intact()).isFalse();
    assertThat(report.problem().orElseThrow().message())
        .contains("the relay signed record 12", "deleted and the rest renumbered");
  }

  @Test
  void aTrailWithoutAnySignatureIsNotVouchedFor() throws Exception {
    append(6);

    replaceSeals(List.of(), null);

    assertProblem(1, "no signed head");
  }

  @Test
  void aRecordAddedAfterTheSignedHeadIsNamed() throws Exception {
    append(6);
    AuditRecord forged = AuditRecord.seal(7, written.get(5).hash(),
        AuditEvent.of(AuditCode.CDP_COMMAND).at(T0).actor("alice").detail("expression", "1")
            .build());

    insertAfter(6, forged.line());

    assertProblem(7, "added without the relay's key");
  }

  @Test
  void anIntactTrailNamesTheSignedHeadItWasCheckedAgainst() throws Exception {
    append(6);

    ChainVerifier.Report report = store.verify(keys.verifier());

    assertThat(report.intact()).isTrue();
    assertThat(report.head()).hasValueSatisfying(head -> {
      assertThat(head.seq()).isEqualTo(6);
      assertThat(head.hash()).isEqualTo(written.get(5).hash());
      assertThat(head.keyId()).isEqualTo(keys.key().getKeyID());
    });
  }

  @Test
  void queriesAnswerNewestFirstWithFilters() throws Exception {
    append(12);

    List<AuditRecord> all = store.query(AuditQuery.latest(100)).records();
    List<AuditRecord> u1 = store.query(AuditQuery.latest(100).withUser("u1")).records();
    List<AuditRecord> commands = store.query(AuditQuery.latest(100).withType("cdp.command")).records();
    List<AuditRecord> byCode = store.query(AuditQuery.latest(100).withType("TCD001I")).records();
    List<AuditRecord> f0s0 = store.query(AuditQuery.latest(100).withFunction("f0").withSession("s0"))
        .records();

    assertThat(all).extracting(AuditRecord::seq).containsExactly(12L, 11L, 10L, 9L, 8L, 7L, 6L,
        5L, 4L, 3L, 2L, 1L);
    assertThat(all.get(0).line()).isEqualTo(written.get(11).line());
    assertThat(u1).extracting(r -> r.text("actor")).containsOnly("u1").hasSize(6);
    assertThat(commands).extracting(AuditRecord::seq).containsExactly(10L, 7L, 4L, 1L);
    assertThat(byCode).hasSize(4);
    assertThat(f0s0).extracting(AuditRecord::seq).containsExactly(9L, 5L, 1L);
  }

  @Test
  void queriesFilterByTimeFromInclusiveToExclusive() throws Exception {
    append(10);
    AuditQuery window = new AuditQuery(java.util.Optional.of(T0.plusSeconds(2)),
        java.util.Optional.of(T0.plusSeconds(5)), java.util.Optional.empty(),
        java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.empty(),
        java.util.Optional.empty(), 100);

    assertThat(store.query(window).records()).extracting(AuditRecord::seq)
        .containsExactly(5L, 4L, 3L);
  }

  @Test
  void pagesFollowTheCursorWithoutGapsOrRepeats() throws Exception {
    append(11);

    AuditQuery.Page first = store.query(AuditQuery.latest(5));
    AuditQuery.Page second = store.query(AuditQuery.latest(5).before(first.next().orElseThrow()));
    AuditQuery.Page third = store.query(AuditQuery.latest(5).before(second.next().orElseThrow()));

    assertThat(first.records()).extracting(AuditRecord::seq).containsExactly(11L, 10L, 9L, 8L, 7L);
    assertThat(second.records()).extracting(AuditRecord::seq).containsExactly(6L, 5L, 4L, 3L, 2L);
    assertThat(third.records()).extracting(AuditRecord::seq).containsExactly(1L);
    assertThat(third.next()).isEmpty();
  }

  private void assertProblem(long seq, String text) throws Exception {
    ChainVerifier.Report report = store.verify(keys.verifier());
    assertThat(report.intact()).as("tampering is detected").isFalse();
    ChainVerifier.Problem problem = report.problem().orElseThrow();
    assertThat(problem.seq()).as(problem.message()).isEqualTo(seq);
    assertThat(problem.message()).contains(text);
  }
}
