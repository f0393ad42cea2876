package io.sluice.cursor;

import io.sluice.dataset.Position;
import io.sluice.db.ReadServers;
import io.sluice.error.Failure;
import io.sluice.error.FailureException;
import io.sluice.error.Reason;
import io.sluice.logging.RequestLog;
import io.sluice.source.Source;
import io.sluice.source.SourceOutlet;
import io.sluice.value.Column;
import io.sluice.value.MovedKey;
import io.sluice.value.RowBatch;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A keyset stream that goes on on another server when its server fails under it: one {@link
 * CursorStream} at a time, each on a server of its own. When the one reading fails after the
 * stream began and {@link ServerMoves} says it moves, a new one opens on the server it names,
 * right after the last row delivered (the limit less the rows delivered), and once that one
 * began the consumer gets, before its rows, a batch of one {@link MovedKey} record: the
 * {@code moved} record of the formats with in-band records. Otherwise the failure is the
 * stream's, as before. Demand goes to the cursor reading now; the stream is released once every
 * cursor it opened is.
 */
final class MovingStream implements Source {

  private static final Logger LOG = LoggerFactory.getLogger(MovingStream.class);

  /** Opens a cursor of the stream on a server, at a position, with the statement's arguments. */
  interface Opener {
    Source open(ReadServers.Server server, Position position, Tuple arguments);
  }

  private final ServerMoves moves;
  private final Opener opener;
  private final RequestLog log;
  private final SourceOutlet outlet = new SourceOutlet();
  private final Promise<Void> released = Promise.promise();
  private final Future<Long> started;
  private final List<Column> columns;
  private final int width;
  private ReadServers.Server server;
  private Source current;
  /** Completes once the cursors left by moves are released. */
  private Future<Void> left = Future.succeededFuture();
  private Object[] lastKey;
  private long sent;
  /** The moved record the consumer gets next, once the new cursor began; null when none is due. */
  private Object[] announce;
  private boolean currentBegan;
  private boolean stopped;

  /** Opens the stream's first cursor on {@code server}, where {@code moves} says it begins. */
  MovingStream(ServerMoves moves, ReadServers.Server server, Opener opener, String requestId) {
    this.moves = moves;
    this.opener = opener;
    this.log = RequestLog.of(LOG, requestId);
    this.server = server;
    this.current = opener.open(server, moves.start(), moves.startArguments());
    this.started = current.started();
    this.columns = current.columns();
    this.width = columns.size();
    attach(current);
  }

  private void attach(Source source) {
    currentBegan = announce == null;
    source.handler(batch -> {
      if (source == current) {
        if (batch.size() > 0) {
          sent += batch.size();
          lastKey = batch.lastKey();
        }
        outlet.emit(batch);
      }
    });
    source.endHandler(v -> {
      if (source == current) {
        outlet.end();
        settle();
      }
    });
    source.exceptionHandler(err -> {
      if (source == current) {
        failed(err);
      }
    });
    if (announce != null) {
      source.started().onSuccess(estimate -> {
        if (source == current) {
          currentBegan = true;
          announceMove();
        }
      });
    } else if (outlet.demand() > 0) {
      source.fetch(outlet.demand());
    }
  }

  /** The cursor reading failed: a move if {@link ServerMoves} says so, else the stream's failure. */
  private void failed(Throwable err) {
    Failure failure = err instanceof FailureException known ? known.failure() : Failure.of(Reason.INTERNAL, "internal error");
    ReadServers.Server to = stopped || !started.succeeded() ? null : moves.next(server, failure);
    if (to == null) {
      outlet.fail(err instanceof FailureException known ? known : new FailureException(failure));
      settle();
      return;
    }
    log.warn("stream goes on on {} after {} rows (move {}): {} failed under it: {} {}", to.name(), sent, moves.moves(), server.name(),
        failure.code(), failure.sqlState() == null ? "" : failure.sqlState());
    left = Future.join(left, current.released()).mapEmpty();
    announce = MovedKey.of(server.name(), to.name(), lastKey);
    server = to;
    current = opener.open(to, moves.position(lastKey), moves.arguments(lastKey, sent));
    attach(current);
  }

  /** Gives the consumer the moved record once the new cursor began and it asked for a batch, then the rest of its demand to the cursor. */
  private void announceMove() {
    if (announce == null || !currentBegan || outlet.demand() == 0 || stopped) {
      return;
    }
    Object[] moved = announce;
    announce = null;
    outlet.emit(new RowBatch(0, List.<Object[]>of(new Object[width]), List.<Object[]>of(moved)));
    if (outlet.demand() > 0 && !stopped) {
      current.fetch(outlet.demand());
    }
  }

  private void settle() {
    Future.join(left, current.released()).onComplete(ar -> released.tryComplete());
  }

  @Override
  public List<Column> columns() {
    return columns;
  }

  @Override
  public Future<Long> started() {
    return started;
  }

  @Override
  public Future<Void> released() {
    return released.future();
  }

  @Override
  public MovingStream handler(Handler<RowBatch> handler) {
    outlet.handler(handler);
    return this;
  }

  @Override
  public MovingStream endHandler(Handler<Void> endHandler) {
    outlet.endHandler(endHandler);
    return this;
  }

  @Override
  public MovingStream exceptionHandler(Handler<Throwable> handler) {
    outlet.exceptionHandler(handler);
    return this;
  }

  @Override
  public MovingStream pause() {
    outlet.pause();
    current.pause();
    return this;
  }

  @Override
  public MovingStream resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public MovingStream fetch(long amount) {
    if (amount > 0) {
      outlet.fetch(amount);
      if (announce != null) {
        announceMove();
      } else {
        current.fetch(amount);
      }
    }
    return this;
  }

  @Override
  public void cancel() {
    stopped = true;
    current.cancel();
    settle();
  }

  @Override
  public void stop(Failure why) {
    stopped = true;
    current.stop(why);
    settle();
  }
}
