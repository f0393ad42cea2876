package io.sluice.cursor;

import io.sluice.dataset.Dataset;
import io.sluice.dataset.Position;
import io.sluice.db.ReadServers;
import io.sluice.error.Failure;
import io.sluice.error.Reason;
import io.sluice.value.Values;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether, where and from which row a keyset stream goes on when its server fails under it, at
 * most {@code maxMoves} times. A hot-standby conflict (SQLSTATE {@value #RECOVERY_CONFLICT},
 * "conflict with recovery") or a lost server (the connection closed or reset, an
 * administrator's or a shutdown's {@code 57P}, a server that stopped answering: {@code
 * database-unavailable}) moves it to {@link ReadServers#another another} healthy server;
 * a lost replica gets no new stream until its next poll. Anything else (a bad request, a
 * statement timeout, a stop) fails it as before, as does a move past the bound or with no other
 * server. It goes on right after the last row it delivered, with the request's limit less the
 * rows delivered, so each row comes once. Exports' partitions and followed streams never move:
 * their snapshot lives on one server ({@link KeysetSource} gives them none).
 */
final class ServerMoves {

  static final String RECOVERY_CONFLICT = "40001";

  private final ReadServers servers;
  private final boolean primaryOnly;
  private final int maxMoves;
  private final Dataset dataset;
  private final Position start;
  private final Tuple arguments;
  private int moves;

  /**
   * Moves of a stream of {@code dataset} that began at {@code start} with {@code arguments}
   * (the dataset's parameters, the limit, the start's key), over {@code servers} (only the
   * primary when {@code primaryOnly}), at most {@code maxMoves}.
   */
  ServerMoves(ReadServers servers, boolean primaryOnly, int maxMoves, Dataset dataset, Position start, Tuple arguments) {
    this.servers = servers;
    this.primaryOnly = primaryOnly;
    this.maxMoves = maxMoves;
    this.dataset = dataset;
    this.start = start;
    this.arguments = arguments;
  }

  /** Whether a stream survives {@code failure} by moving: a hot-standby conflict, or its server lost. */
  static boolean movable(Failure failure) {
    return isRecoveryConflict(failure) || failure.reason() == Reason.DATABASE_UNAVAILABLE;
  }

  private static boolean isRecoveryConflict(Failure failure) {
    return RECOVERY_CONFLICT.equals(failure.sqlState());
  }

  /** Where the stream began. */
  Position start() {
    return start;
  }

  /** The arguments it began with. */
  Tuple startArguments() {
    return arguments;
  }

  /**
   * The server a stream that failed with {@code failure} on {@code from} goes on on, counting the
   * move; null when it fails as before (not a failure it survives, no moves left, no other server).
   */
  ReadServers.Server next(ReadServers.Server from, Failure failure) {
    if (moves >= maxMoves || !movable(failure)) {
      return null;
    }
    if (!isRecoveryConflict(failure)) {
      servers.lost(from);
    }
    ReadServers.Server to = servers.another(primaryOnly, from);
    if (to != null) {
      moves++;
    }
    return to;
  }

  int moves() {
    return moves;
  }

  /** Where the stream goes on: right after the row with {@code lastKey}, or where it began when it delivered none. */
  Position position(Object[] lastKey) {
    if (lastKey == null) {
      return start;
    }
    List<String> key = new ArrayList<>(lastKey.length);
    for (Object value : lastKey) {
      key.add(Values.text(value));
    }
    return Position.afterKey(key);
  }

  /**
   * The arguments of the statement that goes on after the row with {@code lastKey}, {@code sent}
   * rows delivered: the dataset's parameters, the limit less those rows, the key.
   */
  Tuple arguments(Object[] lastKey, long sent) {
    int limitIndex = dataset.definition().parameters().size();
    Tuple moved = Tuple.tuple();
    for (int i = 0; i < limitIndex; i++) {
      moved.addValue(arguments.getValue(i));
    }
    Object limit = arguments.getValue(limitIndex);
    moved.addValue(limit == null ? null : Math.max(0, ((Number) limit).longValue() - sent));
    if (lastKey == null) {
      for (int i = limitIndex + 1; i < arguments.size(); i++) {
        moved.addValue(arguments.getValue(i));
      }
    } else {
      for (Object value : lastKey) {
        moved.addValue(Values.text(value));
      }
    }
    return moved;
  }
}
