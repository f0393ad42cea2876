package io.sluice.changes;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * On the node that holds the slot, the answers to the other nodes' requests for what their
 * copies of the log lack: a catch-up ({@code <address>.since}: the transactions committed after a
 * position, or, when the log no longer holds them, a reset to what its memory holds) and an older
 * read ({@code <address>.older}: the transactions committed at or after a position before the
 * asking node's copy, for a follower there). Every answer is one {@link ChangeBatch} of at most
 * {@value #MAX_TRANSACTIONS} transactions and about {@value #MAX_BYTES} bytes (at least one
 * transaction, however big); an answer that stops short of what the log holds says so in its
 * {@value #MORE} header, and the asking node asks again from where it ended. What only the log's
 * disk part holds is read on a worker thread, never on the event loop.
 */
final class CatchUps {

  /** The most transactions one answer carries. */
  static final int MAX_TRANSACTIONS = 1_000;
  /** About the most bytes of values one answer carries (a single bigger transaction goes alone). */
  static final long MAX_BYTES = 1L << 20;
  /** Header of an answer: "true" when the log holds more after its last transaction. */
  static final String MORE = "sluice-more";
  /** How many transactions one read of the log brings: an answer's worth, and two more to tell an answer that was cut. */
  private static final int READ = MAX_TRANSACTIONS + 2;
  /** What one change costs besides its values, roughly, on the wire. */
  private static final int CHANGE_OVERHEAD = 16;

  private final Vertx vertx;
  private final String address;
  private final RetainedLog log;
  private final LongSupplier lag;

  CatchUps(Vertx vertx, String address, RetainedLog log, LongSupplier lag) {
    this.vertx = vertx;
    this.address = address;
    this.log = log;
    this.lag = lag;
  }

  /** Starts answering, on the caller's context; returns the consumers, which the caller unregisters. */
  List<MessageConsumer<?>> serve() {
    return List.of(vertx.eventBus().<Long>consumer(address + ".since", this::since),
        vertx.eventBus().<Long>consumer(address + ".older", this::older));
  }

  /** Whether {@code answer} stopped short of what the holder's log held: the asking node asks again from its end. */
  static boolean more(Message<?> answer) {
    return "true".equals(answer.headers().get(MORE));
  }

  /**
   * A catch-up: the transactions committed after the asked position; when some may have left the
   * log, a reset to the oldest transactions its memory holds.
   */
  private void since(Message<Long> request) {
    long lsn = request.body();
    long passed = log.passed(); // first: every commit up to it is in the log when it is read next
    // a log that starts right after lsn (a fresh one, whose first commit may be at its start) lacks nothing
    long from = log.start() == lsn + 1 ? lsn + 1 : lsn;
    read(from).onComplete(ar -> {
      if (ar.failed() || ar.result() == null) {
        long start = log.memoryStart();
        List<Transaction> held = log.from(start, READ);
        if (held == null) {
          request.fail(503, "the log moved on while it was read"); // the asking node asks again with the next batch
          return;
        }
        answer(request, true, start, held, passed);
      } else {
        // the one committed at lsn, read too, is left out: what remains is still more than one answer when the read was cut
        answer(request, false, 0, ar.result().stream().filter(t -> t.commitLsn() > lsn).toList(), passed);
      }
    });
  }

  /**
   * An older read: the transactions committed at or after the asked position, or a reset batch
   * (with no transactions) when the log no longer holds them all. A position right at the log's
   * start is taken for one it no longer holds: the transaction committed there may have left.
   */
  private void older(Message<Long> request) {
    long lsn = request.body();
    long passed = log.passed();
    if (lsn <= log.start()) {
      request.reply(new ChangeBatch(lsn, true, log.start(), List.of(), passed, lag.getAsLong()));
      return;
    }
    read(lsn).onComplete(ar -> {
      if (ar.failed()) {
        request.fail(500, ar.cause().toString());
      } else if (ar.result() == null) {
        request.reply(new ChangeBatch(lsn, true, log.start(), List.of(), passed, lag.getAsLong()));
      } else {
        answer(request, false, 0, ar.result(), passed);
      }
    });
  }

  /**
   * At most {@link #READ} of the transactions committed at or after {@code lsn}: from memory at
   * once, from disk on a worker. A read that was cut holds more than one answer's worth, even
   * without the transaction at {@code lsn}: what follows an answer is never taken for the end.
   */
  private Future<List<Transaction>> read(long lsn) {
    if (log.inMemory(lsn)) {
      return Future.succeededFuture(log.from(lsn, READ));
    }
    return vertx.executeBlocking(() -> log.from(lsn, READ), false);
  }

  /**
   * Replies with the first piece of {@code held} (the log read, up to {@link #READ} transactions,
   * when it had passed {@code passed}): it reaches its last transaction when more follow, else
   * the position passed.
   */
  private void answer(Message<Long> request, boolean reset, long start, List<Transaction> held, long passed) {
    List<Transaction> piece = piece(held);
    boolean more = piece.size() < held.size();
    long reaches = more ? piece.get(piece.size() - 1).commitLsn() : passed;
    for (Transaction transaction : piece) {
      reaches = Math.max(reaches, transaction.commitLsn());
    }
    request.reply(new ChangeBatch(request.body(), reset, start, piece, reaches, lag.getAsLong()),
        new DeliveryOptions().addHeader(MORE, Boolean.toString(more)));
  }

  /** The first transactions of {@code held}: at most {@value #MAX_TRANSACTIONS}, about {@value #MAX_BYTES} bytes, at least one. */
  static List<Transaction> piece(List<Transaction> held) {
    List<Transaction> piece = new ArrayList<>();
    long bytes = 0;
    for (Transaction transaction : held) {
      long size = bytes(transaction);
      if (piece.size() == MAX_TRANSACTIONS || (!piece.isEmpty() && bytes + size > MAX_BYTES)) {
        break;
      }
      piece.add(transaction);
      bytes += size;
    }
    return piece;
  }

  /** About the bytes {@code transaction} takes on the wire: its values' characters and a little per change. */
  static long bytes(Transaction transaction) {
    long bytes = 32;
    for (RowChange change : transaction.changes()) {
      bytes += CHANGE_OVERHEAD + length(change.newValues()) + length(change.oldValues());
    }
    return bytes;
  }

  private static long length(String[] values) {
    long length = 0;
    if (values != null) {
      for (String value : values) {
        length += 4 + (value == null ? 0 : value.length());
      }
    }
    return length;
  }
}
