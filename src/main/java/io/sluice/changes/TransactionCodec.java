package io.sluice.changes;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The bytes of a {@link Transaction} in the retained log's segments: its xid and commit
 * position, the relations its changes touch (once each), its changes, the tables it truncated.
 * The commit position comes first, so that a reader can index a record without decoding it.
 */
final class TransactionCodec {

  private TransactionCodec() {}

  static byte[] encode(Transaction transaction) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeLong(transaction.commitLsn());
      out.writeLong(transaction.xid());
      Map<Relation, Integer> relations = new IdentityHashMap<>();
      List<Relation> ordered = new ArrayList<>();
      for (RowChange change : transaction.changes()) {
        if (change.relation() != null && !relations.containsKey(change.relation())) {
          relations.put(change.relation(), ordered.size());
          ordered.add(change.relation());
        }
      }
      out.writeInt(ordered.size());
      for (Relation relation : ordered) {
        out.writeInt(relation.oid());
        writeString(out, relation.schema());
        writeString(out, relation.name());
        out.writeInt(relation.columns().size());
        for (int i = 0; i < relation.columns().size(); i++) {
          writeString(out, relation.columns().get(i));
          out.writeInt(relation.typeOids()[i]);
        }
      }
      out.writeInt(transaction.changes().size());
      for (RowChange change : transaction.changes()) {
        out.writeInt(change.relation() == null ? -1 : relations.get(change.relation()));
        out.writeByte(change.kind().ordinal());
        writeValues(out, change.newValues());
        writeValues(out, change.oldValues());
      }
      out.writeInt(transaction.truncated().size());
      for (String table : transaction.truncated()) {
        writeString(out, table);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static Transaction decode(byte[] payload, int offset, int length) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload, offset, length));
    long commitLsn = in.readLong();
    long xid = in.readLong();
    int relationCount = in.readInt();
    List<Relation> relations = new ArrayList<>(relationCount);
    for (int r = 0; r < relationCount; r++) {
      int oid = in.readInt();
      String schema = readString(in);
      String name = readString(in);
      int count = in.readInt();
      List<String> columns = new ArrayList<>(count);
      int[] types = new int[count];
      for (int i = 0; i < count; i++) {
        columns.add(readString(in));
        types[i] = in.readInt();
      }
      relations.add(new Relation(oid, schema, name, List.copyOf(columns), types));
    }
    int changeCount = in.readInt();
    List<RowChange> changes = new ArrayList<>(changeCount);
    RowChange.Kind[] kinds = RowChange.Kind.values();
    for (int c = 0; c < changeCount; c++) {
      int relation = in.readInt();
      RowChange.Kind kind = kinds[in.readUnsignedByte()];
      changes.add(new RowChange(relation < 0 ? null : relations.get(relation), kind, readValues(in), readValues(in)));
    }
    int truncatedCount = in.readInt();
    Set<String> truncated = new HashSet<>();
    for (int i = 0; i < truncatedCount; i++) {
      truncated.add(readString(in));
    }
    return new Transaction(xid, commitLsn, List.copyOf(changes), Set.copyOf(truncated));
  }

  private static void writeValues(DataOutputStream out, String[] values) throws IOException {
    if (values == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(values.length);
    for (String value : values) {
      writeString(out, value);
    }
  }

  private static String[] readValues(DataInputStream in) throws IOException {
    int count = in.readInt();
    if (count < 0) {
      return null;
    }
    String[] values = new String[count];
    for (int i = 0; i < count; i++) {
      values[i] = readString(in);
    }
    return values;
  }

  private static void writeString(DataOutputStream out, String value) throws IOException {
    if (value == null) {
      out.writeInt(-1);
      return;
    }
    byte[] bytes = value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static String readString(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 0) {
      return null;
    }
    return new String(in.readNBytes(length), java.nio.charset.StandardCharsets.UTF_8);
  }
}
