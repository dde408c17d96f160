package dev.tether.relay.audit;

import dev.tether.relay.config.AuditConfig;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's audit trail: takes events from any thread without blocking, and one writer thread
 * seals them into the hash chain and appends them to the store in batches.
 *
 * <p>The queue is bounded. When it is full (the store is down or slower than the relay), new
 * events are dropped and counted rather than slowing a CDP socket; the next batch written starts
 * with an {@code audit.dropped} record (TAD002E) saying how many were lost, so the gap is itself
 * on the record. A store that fails is retried every second with the same batch; while it fails
 * (or drops) {@link #acceptsSessions()} is false under {@code failClosed}. {@link #close} drains
 * the queue before closing the store, so a clean shutdown loses nothing.
 *
 * <p>While the trail is busy the writer lingers: after a batch it sleeps {@link #LINGER} before
 * looking again, instead of waiting on the queue, so the commands of a debugging session that
 * arrive meanwhile wake no thread and are sealed, signed and forced to disk together. Each console
 * round trip used to wake the writer for a batch of one (an ES256 signature and an fsync per
 * command). An event is written at most one linger later; after {@link #LINGER_ROUNDS} quiet
 * lingers the writer waits on the queue again, so an idle relay does not tick.
 *
 * <p>Each batch is sealed: the relay's key signs its last record once, and the store keeps that
 * seal as its new head. When the log opens a trail whose end is not the record its signed head
 * names (a crash between a write and its seal, or someone who changed the trail while the relay
 * was down), the first batch starts with an {@code audit.unsigned} record saying so, so going on
 * signing never quietly vouches for what the relay did not write.
 */
public final class AuditLog implements AuditSink, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
  private static final int MAX_BATCH = 512;
  /** How long a busy writer gathers events before its next batch. */
  static final Duration LINGER = Duration.ofMillis(5);
  /** Quiet lingers (about 100 ms) after which the writer waits on the queue again. */
  private static final int LINGER_ROUNDS = 20;
  private static final Duration RETRY = Duration.ofSeconds(1);
  private static final Duration DRAIN = Duration.ofSeconds(15);

  private final AuditStore store;
  private final AuditConfig config;
  private final SealSigner signer;
  private final SealVerifier keys;
  private final Clock clock;
  /** Events, or what makes one on the writer thread ({@link #recordLater}). */
  private final BlockingQueue<Supplier<AuditEvent>> queue;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong accepted = new AtomicLong();
  private final Object progress = new Object();
  private final Thread writer;
  private final long lingerNanos;
  private int lingersLeft; // writer thread only: lingers before waiting on the queue again

  private volatile boolean writable;
  private volatile String lastError;
  private volatile boolean closing;
  private long written; // guarded by progress
  private long seq; // writer thread only, once the chain is loaded
  private String prevHash;
  private boolean chainLoaded;
  private String unsigned; // why the trail's end is not what the relay signed, until recorded

  private AuditLog(AuditStore store, AuditConfig config, SealSigner signer, SealVerifier keys,
      Clock clock, Duration linger) {
    this.lingerNanos = linger.toNanos();
    this.store = store;
    this.config = config;
    this.signer = signer;
    this.keys = keys;
    this.clock = clock;
    this.queue = new ArrayBlockingQueue<>(config.queueCapacity());
    this.writer = new Thread(this::run, "audit-writer");
    writer.setDaemon(true);
  }

  /**
   * Opens the store (a failure leaves the log unwritable and retrying) and starts writing,
   * sealing each batch with {@code signer}; {@code keys} are the public half, to check the head
   * the trail was left with.
   */
  public static AuditLog start(AuditStore store, AuditConfig config, SealSigner signer,
      SealVerifier keys, Clock clock) {
    return start(store, config, signer, keys, clock, LINGER);
  }

  /** The same, with the writer lingering {@code linger} while busy (tests shorten or lengthen it). */
  static AuditLog start(AuditStore store, AuditConfig config, SealSigner signer,
      SealVerifier keys, Clock clock, Duration linger) {
    AuditLog log = new AuditLog(store, config, signer, keys, clock, linger);
    log.loadChain();
    log.writer.start();
    log.record(AuditEvent.of(AuditCode.AUDIT_STARTED).at(clock.instant()).actor(AuditEvent.RELAY)
        .detail("store", store.describe()).build());
    return log;
  }

  public AuditStore store() {
    return store;
  }

  public AuditConfig config() {
    return config;
  }

  @Override
  public void record(AuditEvent event) {
    recordLater(() -> event);
  }

  @Override
  public void recordLater(Supplier<AuditEvent> event) {
    if (queue.offer(event)) {
      accepted.incrementAndGet();
    } else {
      dropped.incrementAndGet();
    }
  }

  @Override
  public boolean acceptsSessions() {
    return !config.failClosed() || (writable && dropped.get() == 0);
  }

  /** Whether the last write succeeded, and if not, why. */
  public Optional<String> problem() {
    return writable ? Optional.empty() : Optional.ofNullable(lastError);
  }

  /** Events waiting to be written, for the metrics gauge. */
  public int queueDepth() {
    return queue.size();
  }

  public long droppedCount() {
    return dropped.get();
  }

  /** Waits until every event recorded before this call is written; false on timeout. */
  public boolean flush(Duration timeout) throws InterruptedException {
    long target = accepted.get();
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (progress) {
      while (written < target) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(progress, left);
      }
    }
    return true;
  }

  /** Writes what is queued (waiting up to 15 s for a failing store), then closes the store. */
  @Override
  public void close() {
    if (closing) {
      return;
    }
    closing = true; // no interrupt: it would close the store's FileChannel mid-write
    try {
      writer.join(DRAIN.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (writer.isAlive()) {
      LOG.error("audit events lost at shutdown count={} store=\"{}\" cause=\"{}\"", queue.size(),
          store.describe(), lastError);
    }
    store.close();
  }

  private void run() {
    List<AuditEvent> batch = new ArrayList<>();
    List<Supplier<AuditEvent>> taken = new ArrayList<>();
    long closeDeadline = Long.MAX_VALUE;
    while (true) {
      if (closing && closeDeadline == Long.MAX_VALUE) {
        closeDeadline = System.nanoTime() + DRAIN.toNanos() - Duration.ofSeconds(1).toNanos();
      }
      if (batch.isEmpty()) {
        if (!take(taken) && closing) {
          return; // drained
        }
      }
      queue.drainTo(taken, MAX_BATCH - batch.size() - taken.size());
      make(taken, batch);
      if (batch.isEmpty()) {
        continue;
      }
      if (write(batch)) {
        lingersLeft = LINGER_ROUNDS;
        synchronized (progress) {
          written += batch.size();
          progress.notifyAll();
        }
        batch.clear();
      } else if (System.nanoTime() > closeDeadline) {
        return;
      } else {
        pause();
      }
    }
  }

  /**
   * Makes the events of what was taken, in order, into the batch. One that fails to be made (a
   * bug) is counted as dropped, so the trail says an event is missing.
   */
  private void make(List<Supplier<AuditEvent>> taken, List<AuditEvent> batch) {
    for (Supplier<AuditEvent> event : taken) {
      try {
        batch.add(event.get());
      } catch (RuntimeException e) {
        dropped.incrementAndGet();
        LOG.error("audit event could not be made; recorded as dropped cause=\"{}\"",
            e.toString(), e);
      }
    }
    taken.clear();
  }

  /** Waits for the first event; false when there is none (closing, or a quiet moment). */
  private boolean take(List<Supplier<AuditEvent>> batch) {
    if (closing) {
      Supplier<AuditEvent> event = queue.poll();
      if (event == null) {
        return false;
      }
      batch.add(event);
      return true;
    }
    if (lingersLeft > 0) {
      // Linger even when events are already waiting: a write slower than the linger (an fsync
      // on a busy disk) would otherwise find one event each time and seal batches of one.
      linger();
      Supplier<AuditEvent> event = queue.poll();
      if (event == null) {
        lingersLeft--;
      } else {
        batch.add(event);
      }
      return event != null;
    }
    try {
      Supplier<AuditEvent> event = queue.poll(200, TimeUnit.MILLISECONDS);
      if (event != null) {
        batch.add(event);
      }
      return event != null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Sleeps one linger, the whole of it: a park may return early (a permit left by a lock the
   * recording threads released), and a writer woken per event is what lingering avoids.
   */
  private void linger() {
    long deadline = System.nanoTime() + lingerNanos;
    for (long left = lingerNanos; left > 0 && !closing; left = deadline - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
  }

  private boolean write(List<AuditEvent> batch) {
    if (!loadChain()) {
      return false;
    }
    List<AuditRecord> records = new ArrayList<>(batch.size() + 1);
    long lost = dropped.getAndSet(0);
    long next = seq;
    String prev = prevHash;
    if (lost > 0) {
      AuditRecord gap = AuditRecord.seal(++next, prev,
          AuditEvent.of(AuditCode.AUDIT_DROPPED).at(clock.instant()).actor(AuditEvent.RELAY)
              .detail("dropped", lost).detail("queueSize", config.queueCapacity()).build());
      records.add(gap);
      prev = gap.hash();
    }
    String unsignedNow = unsigned;
    if (unsignedNow != null) {
      AuditRecord note = AuditRecord.seal(++next, prev,
          AuditEvent.of(AuditCode.AUDIT_UNSIGNED).at(clock.instant()).actor(AuditEvent.RELAY)
              .detail("problem", unsignedNow).build());
      records.add(note);
      prev = note.hash();
    }
    for (AuditEvent event : batch) {
      AuditRecord record = AuditRecord.seal(++next, prev, event);
      records.add(record);
      prev = record.hash();
    }
    try {
      store.append(records, signer.sign(next, prev));
    } catch (IOException | RuntimeException e) {
      dropped.addAndGet(lost);
      failed(e);
      return false;
    }
    seq = next;
    prevHash = prev;
    unsigned = null;
    if (!writable) {
      LOG.info("audit trail writable store=\"{}\"", store.describe());
    }
    writable = true;
    lastError = null;
    return true;
  }

  private boolean loadChain() {
    if (chainLoaded) {
      return true;
    }
    try {
      store.open();
      Optional<AuditRecord> last = store.last();
      seq = last.map(AuditRecord::seq).orElse(0L);
      prevHash = last.map(AuditRecord::hash).orElse(AuditRecord.GENESIS);
      unsigned = unsignedEnd(store.head(), last);
      if (unsigned != null) {
        LOG.warn("audit trail does not end where the relay signed it store=\"{}\" problem=\"{}\"",
            store.describe(), unsigned);
      }
      chainLoaded = true;
      writable = true;
      LOG.info("audit trail open store=\"{}\" lastSeq={}", store.describe(), seq);
      return true;
    } catch (IOException | RuntimeException e) {
      failed(e);
      return false;
    }
  }

  /** Why the trail's last record is not the one its signed head names; null when it is. */
  private String unsignedEnd(Optional<String> head, Optional<AuditRecord> last) {
    if (last.isEmpty() && head.isEmpty()) {
      return null; // a new trail
    }
    if (head.isEmpty()) {
      return "the trail ends at record " + last.get().seq() + " but has no signed head (written"
          + " by a Tether that did not sign it, or the head was removed)";
    }
    AuditSeal seal;
    try {
      seal = keys.read(head.get());
    } catch (SealVerifier.Refused e) {
      return "the trail's head " + e.getMessage();
    }
    long lastSeq = last.map(AuditRecord::seq).orElse(0L);
    if (seal.seq() == lastSeq && last.get().hash().equals(seal.hash())) {
      return null;
    }
    return "the signed head names record " + seal.seq() + " (signed at " + seal.signedAt()
        + ") but the trail ends at record " + lastSeq + (seal.seq() == lastSeq
        ? " with another hash" : "");
  }

  private void failed(Exception e) {
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    if (writable || lastError == null) {
      LOG.error("audit trail cannot be written store=\"{}\" cause=\"{}\" failClosed={}",
          store.describe(), message, config.failClosed());
    }
    writable = false;
    lastError = message;
  }

  private void pause() {
    try {
      Thread.sleep(RETRY.toMillis()); // a failing store is retried once a second
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
