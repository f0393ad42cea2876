package io.sluice.source;

import io.sluice.error.Failure;
import io.sluice.value.Column;
import io.sluice.value.RowBatch;
import io.vertx.core.Future;
import io.vertx.core.streams.ReadStream;
import java.util.List;

/**
 * Where the rows of one stream come from, read from a {@link io.sluice.dataset.Position}: a
 * {@link ReadStream} of {@link RowBatch}es driven by demand. A source starts its work (waiting
 * for admission, connecting, preparing) as soon as it is opened, but it starts <em>paused</em>:
 * it reads a batch only against demand ({@link #fetch}, {@link #resume}), so a consumer that
 * takes nothing holds it still, and it never delivers a batch with no handler set.
 *
 * <p>Each batch carries each row's key, the position right after that row. A source ends with
 * its {@link #endHandler}, or fails once through its {@link #exceptionHandler} with a {@link
 * io.sluice.error.FailureException} naming a {@link Failure}; after either, nothing more comes.
 * A failure that comes before an exception handler is set (admission refused at once, say) is
 * held and reported to the first handler set.
 * {@link #cancel} (the consumer left) and {@link #stop} (Sluice ends the stream) reach every
 * phase, and whatever the source holds (a connection, a snapshot, a slot) is let go through one
 * release path, after which {@link #released()} completes.
 */
public interface Source extends ReadStream<RowBatch> {

  /** The typed columns of its rows, in order, known when it is opened. */
  List<Column> columns();

  /**
   * Completes once the source's work has begun (for a database source: a connection is held
   * and the statement is prepared), with the estimate of the rows to come, null when unknown;
   * fails, as the exception handler does, when it cannot begin.
   */
  Future<Long> started();

  /** The consumer left: stop in whatever phase and release; nothing more is delivered or reported. */
  void cancel();

  /** Sluice ends the stream (a shutdown, a deadline): stop in whatever phase, report {@code why}, and release. */
  void stop(Failure why);

  /** Completes once everything the source held is released, however it ended. */
  Future<Void> released();
}
