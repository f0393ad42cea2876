package io.sluice.cursor;

import io.sluice.changes.RowChange;
import io.sluice.changes.Transaction;
import io.sluice.dataset.Dataset;
import io.sluice.dataset.FollowStatus;
import io.sluice.metrics.SluiceMetrics;
import io.sluice.value.ChangeKey;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A followed dataset's changes as the followers with one set of parameters see them: each
 * changed row of a batch of transactions (the new row, and the old one of an update or delete)
 * is run through the dataset's own query, with those parameters, in one statement per batch
 * ({@link Dataset#changeSql}), so the filter is PostgreSQL's own and the values come out typed
 * exactly as the snapshot's. An insert whose row passes is an insert; an update is an update
 * when both rows pass, an insert when only the new one does, a delete when only the old one does
 * (and a delete and an insert when it changed the row's key); a delete whose old row passed is a
 * delete of that row (under {@code REPLICA IDENTITY DEFAULT} the old row holds the key columns
 * only).
 *
 * <p>Shared by every follower of the dataset with the same parameters ({@link FollowGroups}): a
 * transaction's result is kept, by commit position, for the last {@link #KEPT} transactions
 * evaluated, so a transaction is run through the query once however many follow it, and a
 * follower asking for one already on its way waits for that statement. Thread-safe: followers
 * on several event loops call it; results complete on the loop of whoever ran the statement.
 */
final class ChangeRows {

  /** Results kept per set of parameters, newest by commit position: enough for followers a few batches apart. */
  static final int KEPT = 4096;
  /** About the most changes one statement runs through the query (a statement takes at least one transaction, however large). */
  static final int STATEMENT_CHANGES = 4000;

  /** One change as the request sees it: what happened and the row, as the dataset's query reads it. */
  record Emitted(String op, Object[] row) {}

  private final Pool pool;
  private final SluiceMetrics metrics;
  private final String table;
  private final String sql;
  /** {@link #sql} that also says whether each row's key is at or before a given key. */
  private final String boundSql;
  private final Tuple parameters;
  private final RowConverter converter;
  private final int[] keyIndexes;
  /** Each transaction's changes as these parameters see them, by commit position; in flight or done. */
  private final TreeMap<Long, Future<List<Emitted>>> kept = new TreeMap<>();
  /** Transactions asked for and not yet in a statement, by commit position (guarded by {@code kept}). */
  private final TreeMap<Long, Waiting> waiting = new TreeMap<>();
  /** A statement runs for these parameters (guarded by {@code kept}). */
  private boolean evaluating;

  private record Waiting(Transaction transaction, Promise<List<Emitted>> promise) {}

  /** For {@code parameters}: the dataset's own parameter values, in order. */
  ChangeRows(Pool pool, SluiceMetrics metrics, Dataset dataset, Tuple parameters) {
    FollowStatus follow = dataset.follow();
    this.pool = pool;
    this.metrics = metrics;
    this.table = follow.qualifiedTable();
    this.sql = dataset.changeSql(follow.schema(), follow.table());
    this.boundSql = dataset.changeSql(follow.schema(), follow.table(), true);
    this.parameters = parameters;
    this.converter = new RowConverter(dataset.sourceColumns());
    this.keyIndexes = dataset.keyIndexes();
  }

  /** Whether the transaction emptied the followed table, which no row change can tell a follower. */
  boolean truncates(Transaction transaction) {
    return transaction.truncated().contains(table);
  }

  /** How many of the transaction's changes are to the followed table (what a batch's size counts). */
  int changesOf(Transaction transaction) {
    int n = 0;
    for (RowChange change : transaction.changes()) {
      if (follows(change)) {
        n++;
      }
    }
    return n;
  }

  /**
   * The changes of each of {@code transactions} these parameters see, in order: those already
   * evaluated (or on their way) are taken as they are, the others wait for the next statement.
   * One statement at a time runs for these parameters, and it takes every transaction asked for
   * meanwhile (up to {@link #STATEMENT_CHANGES} changes): followers at scattered positions would
   * otherwise each start a statement for the few transactions past the last one's batch, and a
   * hundred of them queue on the two connections of short queries until they time out.
   */
  Future<List<List<Emitted>>> of(List<Transaction> transactions) {
    List<Future<List<Emitted>>> results = new ArrayList<>(transactions.size());
    boolean start;
    synchronized (kept) {
      for (Transaction transaction : transactions) {
        Future<List<Emitted>> known = kept.get(transaction.commitLsn());
        Waiting queued = known == null ? waiting.get(transaction.commitLsn()) : null;
        if (queued != null) {
          // still waiting for its statement, though no longer kept: the same answer, never a second promise that orphans the first
          known = queued.promise().future();
          kept.put(transaction.commitLsn(), known);
        } else if (known == null) {
          Promise<List<Emitted>> promise = Promise.promise();
          known = promise.future();
          if (changesOf(transaction) == 0) {
            promise.complete(List.of());
          } else {
            waiting.put(transaction.commitLsn(), new Waiting(transaction, promise));
          }
          kept.put(transaction.commitLsn(), known);
        }
        results.add(known);
      }
      while (kept.size() > KEPT) {
        kept.pollFirstEntry();
      }
      start = !evaluating && !waiting.isEmpty();
      evaluating |= start;
    }
    if (start) {
      next();
    }
    return Future.all(results).map(all -> {
      List<List<Emitted>> lists = new ArrayList<>(results.size());
      for (Future<List<Emitted>> result : results) {
        lists.add(result.result());
      }
      return lists;
    });
  }

  /** Runs the statement for the transactions waiting, oldest first, and then the next while any wait. */
  private void next() {
    List<Waiting> taken = new ArrayList<>();
    synchronized (kept) {
      int changes = 0;
      while (!waiting.isEmpty() && (taken.isEmpty() || changes < STATEMENT_CHANGES)) {
        Waiting next = waiting.pollFirstEntry().getValue();
        changes += changesOf(next.transaction());
        taken.add(next);
      }
    }
    Future<List<List<Emitted>>> evaluated;
    try {
      evaluated = evaluate(taken.stream().map(Waiting::transaction).toList());
    } catch (RuntimeException e) { // fails those it took, and the next statement still runs: nobody waits forever
      evaluated = Future.failedFuture(e);
    }
    evaluated.onComplete(ar -> {
      for (int i = 0; i < taken.size(); i++) {
        if (ar.succeeded()) {
          taken.get(i).promise().complete(ar.result().get(i));
        } else {
          forget(taken.get(i).transaction());
          taken.get(i).promise().fail(ar.cause());
        }
      }
      boolean more;
      synchronized (kept) {
        more = !waiting.isEmpty();
        evaluating = more;
      }
      if (more) {
        next();
      }
    });
  }

  /**
   * The changes of each of {@code transactions} these parameters see whose own row's key is at or
   * before {@code key} (the canonical text values of the key columns), in PostgreSQL's order of
   * the keyset; an update that changes the key is judged as the delete of its old row and the
   * insert of its new one. For one follower resumed inside its snapshot: neither shared nor kept.
   */
  Future<List<List<Emitted>>> atOrBefore(List<Transaction> transactions, List<String> key) {
    return evaluate(transactions, key);
  }

  private void forget(Transaction transaction) {
    synchronized (kept) {
      kept.remove(transaction.commitLsn());
    }
  }

  private boolean follows(RowChange change) {
    return change.relation() != null && change.relation().qualifiedName().equals(table);
  }

  private Future<List<List<Emitted>>> evaluate(List<Transaction> transactions) {
    return evaluate(transactions, null);
  }

  /**
   * One statement for every change of {@code transactions}; each transaction's changes as seen, in
   * order; with a {@code bound} key, only those whose row's key is at or before it.
   */
  private Future<List<List<Emitted>>> evaluate(List<Transaction> transactions, List<String> bound) {
    JsonArray images = new JsonArray();
    List<RowChange> changes = new ArrayList<>();
    int[] ends = new int[transactions.size()];
    for (int t = 0; t < transactions.size(); t++) {
      for (RowChange change : transactions.get(t).changes()) {
        if (follows(change)) {
          changes.add(change);
          images.add(image(change, before(change))).add(image(change, change.newValues()));
        }
      }
      ends[t] = changes.size();
    }
    Tuple arguments = Tuple.tuple();
    for (int i = 0; i < parameters.size(); i++) {
      arguments.addValue(parameters.getValue(i));
    }
    arguments.addValue(images.encode());
    if (bound != null) {
      bound.forEach(arguments::addValue);
    }
    metrics.followEvaluated(transactions.size());
    return pool.preparedQuery(bound == null ? sql : boundSql).execute(arguments).map(rows -> {
      Map<Long, Object[]> passed = new HashMap<>();
      java.util.Set<Object[]> beyond = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
      int place = converter.width();
      for (Row row : rows) {
        Object[] values = converter.convert(row);
        passed.put(row.getLong(place), values);
        if (bound != null && !Boolean.TRUE.equals(row.getBoolean(place + 1))) {
          beyond.add(values);
        }
      }
      List<List<Emitted>> all = new ArrayList<>(transactions.size());
      int i = 0;
      for (int end : ends) {
        List<Emitted> emitted = new ArrayList<>();
        for (; i < end; i++) {
          emit(changes.get(i).kind(), passed.get(2L * i + 1), passed.get(2L * i + 2), emitted);
        }
        if (!beyond.isEmpty()) {
          emitted.removeIf(change -> beyond.contains(change.row()));
        }
        all.add(emitted);
      }
      return all;
    });
  }

  private void emit(RowChange.Kind kind, Object[] before, Object[] after, List<Emitted> emitted) {
    if (before != null && after != null && !sameKey(before, after)) {
      emitted.add(new Emitted(ChangeKey.DELETE, before));
      emitted.add(new Emitted(ChangeKey.INSERT, after));
    } else if (before != null && after != null) {
      emitted.add(new Emitted(kind == RowChange.Kind.INSERT ? ChangeKey.INSERT : ChangeKey.UPDATE, after));
    } else if (after != null) {
      emitted.add(new Emitted(ChangeKey.INSERT, after));
    } else if (before != null) {
      emitted.add(new Emitted(ChangeKey.DELETE, before));
    }
  }

  private boolean sameKey(Object[] before, Object[] after) {
    for (int index : keyIndexes) {
      if (!Objects.deepEquals(before[index], after[index])) {
        return false;
      }
    }
    return true;
  }

  /** A row's values as a JSON object by column name, JSON columns as JSON, the others as their text; null for no row. */
  private static JsonObject image(RowChange change, String[] values) {
    if (values == null) {
      return null;
    }
    JsonObject row = new JsonObject();
    List<String> columns = change.relation().columns();
    for (int i = 0; i < values.length; i++) {
      row.put(columns.get(i), values[i] != null && change.relation().isJson(i) ? Json.decodeValue(values[i]) : values[i]);
    }
    return row;
  }

  /**
   * The old row as the filter sees it: under {@code REPLICA IDENTITY DEFAULT} an update that keeps
   * its key carries none, and since the filter then reads only key columns (FollowChecks), the
   * new row answers for it.
   */
  private static String[] before(RowChange change) {
    return change.kind() == RowChange.Kind.UPDATE && change.oldValues() == null ? change.newValues() : change.oldValues();
  }
}
