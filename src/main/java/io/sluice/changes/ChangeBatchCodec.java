package io.sluice.changes;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Event-bus codec for {@link ChangeBatch}: by reference within a JVM, across the cluster a
 * binary form that starts with a version byte (a batch of another version is refused), then
 * the batch's positions, the tables its changes name (each once), and the transactions, each
 * value as length-prefixed UTF-8 text or a null.
 */
final class ChangeBatchCodec implements MessageCodec<ChangeBatch, ChangeBatch> {

  static final String NAME = "sluice-change-batch";
  static final byte VERSION = 1;
  private static final RowChange.Kind[] KINDS = RowChange.Kind.values();

  @Override
  public void encodeToWire(Buffer buffer, ChangeBatch batch) {
    int begin = buffer.length();
    buffer.appendInt(0).appendByte(VERSION);
    buffer.appendLong(batch.after()).appendByte((byte) (batch.reset() ? 1 : 0)).appendLong(batch.start())
        .appendLong(batch.passed()).appendLong(batch.lagBytes());
    Map<Relation, Integer> relations = new IdentityHashMap<>();
    List<Relation> ordered = new ArrayList<>();
    for (Transaction transaction : batch.transactions()) {
      for (RowChange change : transaction.changes()) {
        if (change.relation() != null && relations.putIfAbsent(change.relation(), ordered.size()) == null) {
          ordered.add(change.relation());
        }
      }
    }
    buffer.appendInt(ordered.size());
    for (Relation relation : ordered) {
      buffer.appendInt(relation.oid());
      text(buffer, relation.schema());
      text(buffer, relation.name());
      buffer.appendInt(relation.columns().size());
      for (int i = 0; i < relation.columns().size(); i++) {
        text(buffer, relation.columns().get(i));
        buffer.appendInt(relation.typeOids()[i]);
      }
    }
    buffer.appendInt(batch.transactions().size());
    for (Transaction transaction : batch.transactions()) {
      buffer.appendLong(transaction.xid()).appendLong(transaction.commitLsn());
      buffer.appendInt(transaction.truncated().size());
      transaction.truncated().forEach(table -> text(buffer, table));
      buffer.appendInt(transaction.changes().size());
      for (RowChange change : transaction.changes()) {
        buffer.appendInt(change.relation() == null ? -1 : relations.get(change.relation())).appendByte((byte) change.kind().ordinal());
        values(buffer, change.newValues());
        values(buffer, change.oldValues());
      }
    }
    buffer.setInt(begin, buffer.length() - begin - 4);
  }

  @Override
  public ChangeBatch decodeFromWire(int pos, Buffer buffer) {
    Reader in = new Reader(buffer, pos + 4);
    byte version = in.readByte();
    if (version != VERSION) {
      throw new IllegalStateException("change batch wire version " + version + " is not supported (this node reads version " + VERSION + ")");
    }
    long after = in.readLong();
    boolean reset = in.readByte() == 1;
    long start = in.readLong();
    long passed = in.readLong();
    long lagBytes = in.readLong();
    Relation[] relations = new Relation[in.readInt()];
    for (int r = 0; r < relations.length; r++) {
      int oid = in.readInt();
      String schema = in.readText();
      String name = in.readText();
      int count = in.readInt();
      List<String> columns = new ArrayList<>(count);
      int[] typeOids = new int[count];
      for (int i = 0; i < count; i++) {
        columns.add(in.readText());
        typeOids[i] = in.readInt();
      }
      relations[r] = new Relation(oid, schema, name, List.copyOf(columns), typeOids);
    }
    int count = in.readInt();
    List<Transaction> transactions = new ArrayList<>(count);
    for (int t = 0; t < count; t++) {
      long xid = in.readLong();
      long commitLsn = in.readLong();
      int truncatedCount = in.readInt();
      Set<String> truncated = new HashSet<>();
      for (int i = 0; i < truncatedCount; i++) {
        truncated.add(in.readText());
      }
      int changeCount = in.readInt();
      List<RowChange> changes = new ArrayList<>(changeCount);
      for (int c = 0; c < changeCount; c++) {
        int index = in.readInt();
        Relation relation = index < 0 ? null : relations[index];
        RowChange.Kind kind = KINDS[in.readByte()];
        changes.add(new RowChange(relation, kind, in.readValues(), in.readValues()));
      }
      transactions.add(new Transaction(xid, commitLsn, List.copyOf(changes), Set.copyOf(truncated)));
    }
    return new ChangeBatch(after, reset, start, List.copyOf(transactions), passed, lagBytes);
  }

  @Override
  public ChangeBatch transform(ChangeBatch batch) {
    return batch; // immutable: shared within the JVM
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }

  private static void values(Buffer buffer, String[] values) {
    if (values == null) {
      buffer.appendInt(-1);
      return;
    }
    buffer.appendInt(values.length);
    for (String value : values) {
      text(buffer, value);
    }
  }

  private static void text(Buffer buffer, String value) {
    if (value == null) {
      buffer.appendInt(-1);
      return;
    }
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    buffer.appendInt(bytes.length).appendBytes(bytes);
  }

  /** Reads the wire form from a position on. */
  private static final class Reader {
    private final Buffer buffer;
    private int pos;

    Reader(Buffer buffer, int pos) {
      this.buffer = buffer;
      this.pos = pos;
    }

    byte readByte() {
      return buffer.getByte(pos++);
    }

    int readInt() {
      int value = buffer.getInt(pos);
      pos += 4;
      return value;
    }

    long readLong() {
      long value = buffer.getLong(pos);
      pos += 8;
      return value;
    }

    String readText() {
      int length = readInt();
      if (length < 0) {
        return null;
      }
      String value = buffer.getString(pos, pos + length, "UTF-8");
      pos += length;
      return value;
    }

    String[] readValues() {
      int length = readInt();
      if (length < 0) {
        return null;
      }
      String[] values = new String[length];
      for (int i = 0; i < length; i++) {
        values[i] = readText();
      }
      return values;
    }
  }
}
