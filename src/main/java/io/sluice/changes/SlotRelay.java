package io.sluice.changes;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.shareddata.Lock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deployment's one slot in a cluster: the nodes that serve followers compete for a
 * cluster-wide lock (Vert.x shared data, a Hazelcast map lock, which Hazelcast frees when its
 * holder leaves the cluster); the holder reads the slot and publishes what its log gains, in
 * {@link ChangeBatch}es of at most {@value #MAX_BATCH} transactions every {@value #BATCH_MS} ms
 * at most (heartbeats' positions too); every other node keeps a copy of the log from them. A
 * node whose copy missed a batch (it joined late, or the batch was lost in a handover) asks
 * the holder for what it lacks, in bounded pieces ({@link CatchUps}) until it has caught up;
 * when the holder no longer holds it, the node starts its copy again from what the holder's
 * memory holds, so that its followers at older positions read them from the holder's log
 * ({@link #older}) or, when that no longer holds them either, must refetch: never a silent gap.
 * The holder confirms the slot no further than it has relayed ({@link #sent()}), so that
 * whoever takes over finds the rest still in the slot. All state but the volatile fields lives
 * on the relay's context.
 */
final class SlotRelay {

  private static final Logger LOG = LoggerFactory.getLogger(SlotRelay.class);
  /** How long the holder gathers transactions into one batch. */
  static final long BATCH_MS = 10;
  /** The most transactions one batch carries. */
  static final int MAX_BATCH = 1_000;
  /** How long one attempt at the lock waits on a worker thread (a released lock goes to a waiter at once). */
  static final long LOCK_WAIT_MS = 2_000;
  private static final long RETRY_MS = 1_000;
  private static final long CATCH_UP_TIMEOUT_MS = 10_000;
  private static final long NUDGE_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  /** Batches (and their transactions) kept while a catch-up is under way; past it they are dropped and the next batch catches up again. */
  private static final int MAX_PENDING = 1_000;
  private static final int MAX_PENDING_TRANSACTIONS = 10 * CatchUps.MAX_TRANSACTIONS;

  private final Vertx vertx;
  private final Context context;
  private final RetainedLog log;
  private final String address;
  private final Supplier<Future<Void>> takeOver;
  private final AtomicBoolean flushScheduled = new AtomicBoolean();
  private final AtomicLong lastNudge = new AtomicLong(System.nanoTime() - NUDGE_EVERY_NANOS);
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final Deque<ChangeBatch> pending = new ArrayDeque<>();
  private int pendingTransactions;
  private volatile boolean holding;
  private volatile boolean closed;
  /** On the holder: where the batches sent so far brought the others' logs. */
  private volatile long sent;
  private volatile long lagBytes = -1;
  private LongSupplier readerLag = () -> -1;
  private Runnable readerNudge = () -> {};
  private Runnable unlisten;
  private Lock lock;
  private boolean catchingUp;

  private SlotRelay(Vertx vertx, String slot, RetainedLog log, Supplier<Future<Void>> takeOver) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.log = log;
    this.address = "sluice.changes." + slot;
    this.takeOver = takeOver;
  }

  /**
   * A relay of slot {@code slot}'s changes into {@code log}; once this node holds the slot,
   * {@code takeOver} must start reading it into the log and call {@link #lead}.
   */
  static SlotRelay create(Vertx vertx, String slot, RetainedLog log, Supplier<Future<Void>> takeOver) {
    try {
      vertx.eventBus().registerDefaultCodec(ChangeBatch.class, new ChangeBatchCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // another feed on the same Vert.x
    }
    return new SlotRelay(vertx, slot, log, takeOver);
  }

  /** Listens to the holder's batches, catches up with its log, and competes for the slot. */
  Future<Void> start() {
    return onContext(() -> {
      MessageConsumer<ChangeBatch> batches = vertx.eventBus().consumer(address, message -> received(message.body()));
      consumers.add(batches);
      return batches.completion().onSuccess(v -> {
        catchUp();
        compete();
      });
    });
  }

  /** Whether this node holds the slot. */
  boolean holds() {
    return holding;
  }

  /** The slot's lag as its reader measured it, here or on the holder. */
  long lagBytes() {
    return holding ? readerLag.getAsLong() : lagBytes;
  }

  /** Where the batches sent so far brought the other nodes' logs: the slot is confirmed no further. */
  long sent() {
    return sent;
  }

  /** Asks the holder's reader for a heartbeat now (at most one ask per 100 ms from this node). */
  void nudge() {
    long now = System.nanoTime();
    long last = lastNudge.get();
    if (now - last >= NUDGE_EVERY_NANOS && lastNudge.compareAndSet(last, now)) {
      vertx.eventBus().send(address + ".nudge", null);
    }
  }

  /**
   * This node reads the slot from here on, into the log as it now stands: relays what the log
   * gains, answers catch-ups and nudges. Called by the take-over before its reader starts.
   */
  void lead(Runnable nudge, LongSupplier lag) {
    readerNudge = nudge;
    readerLag = lag;
    sent = log.passed();
    unlisten = log.listen(this::appended);
    context.runOnContext(v -> {
      if (closed) {
        return;
      }
      consumers.addAll(new CatchUps(vertx, address, log, lag).serve());
      consumers.add(vertx.eventBus().consumer(address + ".nudge", message -> readerNudge.run()));
    });
  }

  /** Stops competing for the slot and relaying: the first step of a close. */
  void quit() {
    closed = true;
  }

  boolean quitting() {
    return closed;
  }

  /** Stops relaying and competing, and lets go of the slot's lock (its reader must have stopped). */
  Future<Void> close() {
    closed = true;
    return onContext(() -> {
      if (unlisten != null) {
        unlisten.run();
      }
      if (lock != null) {
        lock.release();
        lock = null;
      }
      holding = false;
      return Future.join(consumers.stream().map(MessageConsumer::unregister).toList()).mapEmpty();
    });
  }

  private void compete() {
    if (closed) {
      return;
    }
    long began = System.nanoTime();
    vertx.sharedData().getLockWithTimeout(address, LOCK_WAIT_MS).onComplete(ar -> {
      if (ar.failed()) {
        // a wait that timed out tries again at once; an attempt that failed fast waits a little
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
        vertx.setTimer(waited >= LOCK_WAIT_MS / 2 ? 1 : RETRY_MS, t -> compete());
        return;
      }
      if (closed) {
        ar.result().release();
        return;
      }
      lock = ar.result();
      holding = true;
      clearPending();
      LOG.info("follow: this node holds slot '{}' now and reads it from {}", address, Lsn.text(log.passed()));
      takeOver.get().onFailure(err -> {
        LOG.warn("follow: taking over the slot failed, letting it go: {}", err.toString());
        holding = false;
        if (unlisten != null) {
          unlisten.run();
        }
        lock.release();
        lock = null;
        vertx.setTimer(RETRY_MS, t -> compete());
      });
    });
  }

  /** On the reader's thread: the log gained a transaction or a position; a batch goes out within {@value #BATCH_MS} ms. */
  private void appended() {
    if (flushScheduled.compareAndSet(false, true)) {
      context.runOnContext(v -> vertx.setTimer(BATCH_MS, t -> flush()));
    }
  }

  private void flush() {
    flushScheduled.set(false);
    if (!holding || closed) {
      return;
    }
    long after = sent;
    long passed = log.passed(); // first: every commit up to it is in the log when it is read next
    List<Transaction> held = heldAfter(after);
    ChangeBatch batch;
    if (held == null) {
      LOG.warn("follow: transactions left the log before they were relayed; the other nodes catch up");
      batch = new ChangeBatch(ChangeBatch.GAP, false, 0, List.of(), passed, readerLag.getAsLong());
    } else {
      List<Transaction> fresh = held;
      if (fresh.size() > MAX_BATCH) {
        fresh = fresh.subList(0, MAX_BATCH);
        passed = fresh.get(MAX_BATCH - 1).commitLsn();
        appended(); // the rest in the next batch
      }
      batch = new ChangeBatch(after, false, 0, fresh, passed, readerLag.getAsLong());
    }
    sent = batch.reaches();
    vertx.eventBus().publish(address, batch);
  }

  /**
   * The transactions held that committed after {@code lsn}, or null when some may have left the
   * log. A log that starts right after {@code lsn} (a fresh one, whose first commit may be at its
   * start) lacks nothing; one whose eviction of a commit at exactly {@code lsn + 1} is taken for
   * that would need the relay to fall a whole log behind within one batch.
   */
  private List<Transaction> heldAfter(long lsn) {
    long from = log.start() == lsn + 1 ? lsn + 1 : lsn;
    if (!log.inMemory(from)) {
      return null; // only on disk: not read on the event loop; the asking node starts again from what memory holds
    }
    List<Transaction> held = log.from(from);
    return held == null ? null : held.stream().filter(t -> t.commitLsn() > lsn).toList();
  }

  private void received(ChangeBatch batch) {
    if (holding || closed) {
      return;
    }
    lagBytes = batch.lagBytes();
    if (catchingUp) {
      if (pending.size() < MAX_PENDING && pendingTransactions < MAX_PENDING_TRANSACTIONS) {
        pending.add(batch);
        pendingTransactions += batch.transactions().size();
      }
      return;
    }
    if (!applied(batch)) {
      catchUp();
    }
  }

  /** Applies {@code batch} when the log has passed what it follows; false when the log missed something before it. */
  private boolean applied(ChangeBatch batch) {
    if (batch.reset() || log.passed() < batch.after()) {
      return false;
    }
    apply(batch);
    return true;
  }

  private void apply(ChangeBatch batch) {
    if (batch.reset()) {
      LOG.info("follow: this node's copy of the log missed transactions the holder no longer has: it starts again at {};"
          + " its followers at older positions read them from the holder's log, or must refetch", Lsn.text(batch.start()));
      log.reset(batch.start());
    }
    long reached = log.passed(); // every commit up to it is held already
    for (Transaction transaction : batch.transactions()) {
      if (transaction.commitLsn() > reached) {
        log.append(transaction);
        reached = transaction.commitLsn();
      }
    }
    log.passed(batch.passed());
  }

  /** Asks the holder for what the log lacks; batches that arrive meanwhile are applied after its answers. */
  private void catchUp() {
    if (catchingUp || holding || closed) {
      return;
    }
    catchingUp = true;
    askSince();
  }

  /**
   * One piece of a catch-up: what the holder holds after the log's position, applied; asks again
   * while the holder had more than the piece and the batches received meanwhile do not follow on.
   */
  private void askSince() {
    vertx.eventBus().<ChangeBatch>request(address + ".since", log.passed(), new DeliveryOptions().setSendTimeout(CATCH_UP_TIMEOUT_MS))
        .onComplete(ar -> {
          if (holding || closed || ar.failed()) {
            // no holder yet, or it left: the next batch (a heartbeat's at least) asks again
            catchingUp = false;
            clearPending();
            return;
          }
          apply(ar.result().body());
          if (CatchUps.more(ar.result()) && (pending.isEmpty() || log.passed() < pending.peek().after())) {
            askSince();
            return;
          }
          catchingUp = false;
          while (!pending.isEmpty()) {
            ChangeBatch next = pending.poll();
            pendingTransactions -= next.transactions().size();
            if (!applied(next)) {
              clearPending();
              catchUp();
              return;
            }
          }
        });
  }

  private void clearPending() {
    pending.clear();
    pendingTransactions = 0;
  }

  /**
   * On a node that does not hold the slot: at most about {@code max} of the transactions
   * committed at or after {@code lsn}, from the holder's log (its disk part too), asked in pieces;
   * null when the holder no longer holds them all. Fails when no node holds the slot or it does
   * not answer.
   */
  Future<List<Transaction>> older(long lsn, int max) {
    return older(lsn, max, new ArrayList<>());
  }

  private Future<List<Transaction>> older(long lsn, int max, List<Transaction> found) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(CATCH_UP_TIMEOUT_MS);
    return vertx.eventBus().<ChangeBatch>request(address + ".older", lsn, options).compose(answer -> {
      ChangeBatch piece = answer.body();
      if (piece.reset()) {
        return Future.succeededFuture(found.isEmpty() ? null : found); // what was found follows on; the next read is told
      }
      found.addAll(piece.transactions());
      if (!CatchUps.more(answer) || piece.transactions().isEmpty() || found.size() >= max) {
        return Future.succeededFuture(found);
      }
      return older(found.get(found.size() - 1).commitLsn() + 1, max, found);
    });
  }

  private <T> Future<T> onContext(Supplier<Future<T>> action) {
    io.vertx.core.Promise<T> done = io.vertx.core.Promise.promise();
    context.runOnContext(v -> action.get().onComplete(done));
    return done.future();
  }
}
