package io.sluice.changes;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decodes pgoutput's protocol version 1 (PostgreSQL's built-in logical decoding plugin) into
 * committed {@link Transaction}s: Relation messages describe tables, Begin opens a transaction,
 * Insert, Update, Delete and Truncate add to it, Commit hands it over. Type and Origin messages
 * are skipped; a non-transactional logical message (Sluice's heartbeat) reports its LSN. Tuples
 * are read in text format. Used from the slot reader's thread only.
 */
final class PgOutputDecoder {

  /** What the decoder hands on. */
  interface Listener {
    void committed(Transaction transaction);

    /** A message outside any transaction was decoded, ending at {@code lsn}: every commit record before it was handed on. */
    void passed(long lsn);
  }

  private final Map<Integer, Relation> relations = new HashMap<>();
  private final Listener listener;
  private long xid;
  private long commitLsn;
  private List<RowChange> changes;
  private Set<String> truncated;

  PgOutputDecoder(Listener listener) {
    this.listener = listener;
  }

  void decode(ByteBuffer message) {
    byte type = message.get();
    switch (type) {
      case 'B' -> {
        commitLsn = message.getLong();
        message.getLong(); // commit time
        xid = Integer.toUnsignedLong(message.getInt());
        changes = new ArrayList<>();
        truncated = new HashSet<>();
      }
      case 'C' -> {
        message.get(); // flags
        long lsn = message.getLong();
        listener.committed(new Transaction(xid, lsn, List.copyOf(changes), Set.copyOf(truncated)));
        changes = null;
      }
      case 'R' -> relation(message);
      case 'I' -> {
        Relation relation = relations.get(message.getInt());
        message.get(); // 'N'
        changes.add(new RowChange(relation, RowChange.Kind.INSERT, tuple(message), null));
      }
      case 'U' -> update(message);
      case 'D' -> {
        Relation relation = relations.get(message.getInt());
        message.get(); // 'K' or 'O'
        changes.add(new RowChange(relation, RowChange.Kind.DELETE, null, tuple(message)));
      }
      case 'T' -> {
        int count = message.getInt();
        message.get(); // options
        for (int i = 0; i < count; i++) {
          Relation relation = relations.get(message.getInt());
          if (relation != null) {
            truncated.add(relation.qualifiedName());
          }
        }
      }
      case 'M' -> {
        byte flags = message.get();
        long lsn = message.getLong();
        if ((flags & 1) == 0 && changes == null) {
          listener.passed(lsn);
        }
      }
      default -> { } // Type, Origin: nothing a follower needs
    }
  }

  private void relation(ByteBuffer message) {
    int oid = message.getInt();
    String schema = string(message);
    String name = string(message);
    message.get(); // replica identity setting
    int count = message.getShort();
    List<String> columns = new ArrayList<>(count);
    int[] types = new int[count];
    for (int i = 0; i < count; i++) {
      message.get(); // flags: part of the key
      columns.add(string(message));
      types[i] = message.getInt();
      message.getInt(); // type modifier
    }
    relations.put(oid, new Relation(oid, schema, name, List.copyOf(columns), types));
  }

  private void update(ByteBuffer message) {
    Relation relation = relations.get(message.getInt());
    byte next = message.get();
    String[] old = null;
    if (next == 'K' || next == 'O') {
      old = tuple(message);
      message.get(); // 'N'
    }
    String[] values = tuple(message);
    for (int i = 0; i < values.length; i++) {
      if (values[i] == UNCHANGED) {
        values[i] = old == null ? null : old[i];
      }
    }
    changes.add(new RowChange(relation, RowChange.Kind.UPDATE, values, old));
  }

  /** Marks an unchanged TOASTed value until the old row fills it in; compared by identity. */
  @SuppressWarnings("StringOperationCanBeSimplified")
  private static final String UNCHANGED = new String("unchanged-toast");

  private static String[] tuple(ByteBuffer message) {
    int count = message.getShort();
    String[] values = new String[count];
    for (int i = 0; i < count; i++) {
      byte kind = message.get();
      switch (kind) {
        case 'n' -> values[i] = null;
        case 'u' -> values[i] = UNCHANGED;
        case 't' -> {
          int length = message.getInt();
          values[i] = new String(message.array(), message.arrayOffset() + message.position(), length, StandardCharsets.UTF_8);
          message.position(message.position() + length);
        }
        default -> throw new IllegalStateException("pgoutput tuple value of kind '" + (char) kind + "' (binary mode is not asked for)");
      }
    }
    return values;
  }

  private static String string(ByteBuffer message) {
    int start = message.position();
    while (message.get() != 0) {
      // up to the terminating zero byte
    }
    return new String(message.array(), message.arrayOffset() + start, message.position() - start - 1, StandardCharsets.UTF_8);
  }
}
