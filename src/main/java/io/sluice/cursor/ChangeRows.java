package io.sluice.cursor;

import io.sluice.changes.RowChange;
import io.sluice.changes.Transaction;
import io.sluice.dataset.Dataset;
import io.sluice.dataset.FollowStatus;
import io.sluice.value.ChangeKey;
import io.vertx.core.Future;
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

/**
 * A followed dataset's changes as one request sees them: each changed row of a transaction
 * (the new row, and the old one of an update or delete) is run through the dataset's own query,
 * with the request's parameters, in one statement per transaction ({@link Dataset#changeSql}),
 * so the filter is PostgreSQL's own and the values come out typed exactly as the snapshot's.
 * An insert whose row passes is an insert; an update is an update when both rows pass, an
 * insert when only the new one does, a delete when only the old one does (and a delete and an
 * insert when it changed the row's key); a delete whose old row passed is a delete of that row
 * (under {@code REPLICA IDENTITY DEFAULT} the old row holds the key columns only).
 */
final class ChangeRows {

  /** One change as the request sees it: what happened and the row, as the dataset's query reads it. */
  record Emitted(String op, Object[] row) {}

  private final Pool pool;
  private final String table;
  private final String sql;
  private final Tuple parameters;
  private final int parameterCount;
  private final RowConverter converter;
  private final int[] keyIndexes;

  ChangeRows(Pool pool, Dataset dataset, Tuple arguments) {
    FollowStatus follow = dataset.follow();
    this.pool = pool;
    this.table = follow.qualifiedTable();
    this.sql = dataset.changeSql(follow.schema(), follow.table());
    this.parameters = arguments;
    this.parameterCount = dataset.definition().parameters().size();
    this.converter = new RowConverter(dataset.sourceColumns());
    this.keyIndexes = dataset.keyIndexes();
  }

  /** Whether the transaction emptied the followed table, which no row change can tell a follower. */
  boolean truncates(Transaction transaction) {
    return transaction.truncated().contains(table);
  }

  /** The changes of {@code transaction} this request sees, in order. */
  Future<List<Emitted>> of(Transaction transaction) {
    JsonArray images = new JsonArray();
    List<RowChange> changes = new ArrayList<>();
    for (RowChange change : transaction.changes()) {
      if (change.relation() != null && change.relation().qualifiedName().equals(table)) {
        changes.add(change);
        images.add(image(change, before(change))).add(image(change, change.newValues()));
      }
    }
    if (changes.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    Tuple arguments = Tuple.tuple();
    for (int i = 0; i < parameterCount; i++) {
      arguments.addValue(parameters.getValue(i));
    }
    arguments.addValue(images.encode());
    return pool.preparedQuery(sql).execute(arguments).map(rows -> {
      Map<Long, Object[]> passed = new HashMap<>();
      int place = converter.width();
      for (Row row : rows) {
        passed.put(row.getLong(place), converter.convert(row));
      }
      List<Emitted> emitted = new ArrayList<>();
      for (int i = 0; i < changes.size(); i++) {
        emit(changes.get(i).kind(), passed.get(2L * i + 1), passed.get(2L * i + 2), emitted);
      }
      return emitted;
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

  /**
   * The old row as the filter sees it: under {@code REPLICA IDENTITY DEFAULT} an update that keeps
   * its key carries none, and since the filter then reads only key columns (FollowChecks), the
   * new row answers for it.
   */
  private static String[] before(RowChange change) {
    return change.kind() == RowChange.Kind.UPDATE && change.oldValues() == null ? change.newValues() : change.oldValues();
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
}
