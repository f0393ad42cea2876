package io.sluice.dataset;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Where in a dataset a stream starts: at its first row, or right after the row with a given key
 * (the text values of the dataset's {@code orderBy} columns). A resume token carries one, and a
 * source opens at one; a source that reads in another order (a snapshot's partition, a change
 * log) adds its own kind of position here.
 */
public sealed interface Position {

  /** The first row. */
  Position START = new Start();

  /** The position right after the row whose key is {@code key}; an empty key is the {@link #START}. */
  static Position afterKey(List<String> key) {
    return key == null || key.isEmpty() ? START : new AfterKey(List.copyOf(key));
  }

  /** The name of the source that reads from here: the keyset cursor for a key or the start. */
  default String source() {
    return KEYSET;
  }

  /** The source that reads a dataset in its key order, from the start or after a key. */
  String KEYSET = "keyset";

  /** The source that reads one partition of an export, inside the export's snapshot. */
  String PARTITION = "partition";

  /** Whether the stream starts at the first row. */
  default boolean isStart() {
    return this instanceof Start;
  }

  /** The source that follows a dataset: its snapshot, then its committed changes. */
  String CHANGES = "changes";

  /** The field of a request's JSON (an event-bus or bridge {@code open}) that asks to follow: {@code "follow": true}. */
  String FOLLOW = "follow";

  /** A dataset's snapshot and then its changes, from the start. */
  static Position follow() {
    return new Changes(null, 0);
  }

  /** Right after change {@code delivered} of the transaction committed at {@code lsn}; {@link Changes#ALL} for all of it. */
  static Position afterChange(String lsn, long delivered) {
    return new Changes(lsn, delivered);
  }

  /** Inside a followed stream's snapshot, where {@code cut} says. */
  static Position inSnapshot(SnapshotCut cut) {
    return new Changes(null, 0, cut);
  }

  /** Writes this position into a request's JSON: a key as {@code after}, the start as nothing. */
  void writeTo(JsonObject request);

  /** The position a request's JSON names; throws {@link IllegalArgumentException} when it is malformed. */
  static Position readFrom(JsonObject request) {
    JsonObject changes = request.getJsonObject(Changes.FIELD);
    if (changes != null) {
      JsonObject cut = changes.getJsonObject(SnapshotCut.FIELD);
      return new Changes(changes.getString("lsn"), changes.getLong("delivered", 0L), cut == null ? null : SnapshotCut.fromJson(cut));
    }
    JsonArray after = request.getJsonArray("after", new JsonArray());
    List<String> key = after.stream().map(String::valueOf).toList();
    JsonObject partition = request.getJsonObject(Partition.FIELD);
    if (Boolean.TRUE.equals(request.getBoolean(FOLLOW))) {
      if (partition != null || !key.isEmpty()) {
        throw new IllegalArgumentException("a followed stream starts at its snapshot and goes on with a resume token:"
            + " give neither 'after' nor 'partition' with 'follow'");
      }
      return follow();
    }
    return partition == null ? afterKey(key) : Partition.fromJson(partition).after(key);
  }

  /** The start of a dataset. */
  record Start() implements Position {
    @Override
    public void writeTo(JsonObject request) {}
  }

  /** Right after the row whose {@code orderBy} key has these text values. */
  record AfterKey(List<String> key) implements Position {
    public AfterKey {
      if (key.isEmpty()) {
        throw new IllegalArgumentException("a key position needs the key's values");
      }
      key = List.copyOf(key);
    }

    @Override
    public void writeTo(JsonObject request) {
      request.put("after", new JsonArray(key));
    }
  }

  /**
   * One partition of an export: the rows of the dataset whose first {@code orderBy} column is
   * at least {@code lower} and below {@code upper} (text values computed by Sluice; null: open
   * on that side), read inside the exported snapshot {@code snapshot}, in key order, from the
   * start of the range or right after the row whose key is {@code after} (empty: the start).
   */
  record Partition(String exportId, String snapshot, int index, int count, String lower, String upper, List<String> after)
      implements Position {

    static final String FIELD = "partition";
    /** What {@code pg_export_snapshot()} returns: it is spliced into {@code SET TRANSACTION SNAPSHOT}, so nothing else may pass. */
    private static final java.util.regex.Pattern SNAPSHOT_ID = java.util.regex.Pattern.compile("[0-9A-F]{1,16}(-[0-9A-F]{1,16}){1,2}");

    public Partition {
      if (exportId == null || snapshot == null || !SNAPSHOT_ID.matcher(snapshot).matches()) {
        throw new IllegalArgumentException("a partition needs its export and a snapshot id as pg_export_snapshot() gives it");
      }
      if (count < 1 || index < 0 || index >= count) {
        throw new IllegalArgumentException("partition " + index + " of " + count + " does not exist");
      }
      after = after == null ? List.of() : List.copyOf(after);
    }

    @Override
    public String source() {
      return PARTITION;
    }

    /** The same partition, right after the row whose key is {@code key} (empty: from the start of its range). */
    public Partition after(List<String> key) {
      return new Partition(exportId, snapshot, index, count, lower, upper, key);
    }

    /** Whether it starts after a key rather than at the start of its range. */
    public boolean resumed() {
      return !after.isEmpty();
    }

    @Override
    public void writeTo(JsonObject request) {
      request.put(FIELD, new JsonObject().put("export", exportId).put("snapshot", snapshot).put("index", index).put("count", count)
          .put("lower", lower).put("upper", upper));
      if (!after.isEmpty()) {
        request.put("after", new JsonArray(after));
      }
    }

    static Partition fromJson(JsonObject json) {
      return new Partition(json.getString("export"), json.getString("snapshot"), json.getInteger("index", -1), json.getInteger("count", 0),
          json.getString("lower"), json.getString("upper"), List.of());
    }
  }

  /**
   * A followed dataset: with {@code lsn} and {@code cut} null, its snapshot and then its changes;
   * with {@code lsn}, right after the first {@code delivered} changes (as this request's filter
   * yields them) of the transaction committed at {@code lsn} (PostgreSQL's text form), {@link
   * #ALL} for all of it, then every later transaction's; with {@code cut}, inside its snapshot.
   */
  record Changes(String lsn, long delivered, SnapshotCut cut) implements Position {

    /** Every change of the transaction (or nothing was at {@code lsn}: a heartbeat's position). */
    public static final long ALL = Long.MAX_VALUE;
    static final String FIELD = "changes";

    public Changes {
      if (delivered < 0) {
        throw new IllegalArgumentException("a change position counts delivered changes from 0");
      }
      if (lsn != null && cut != null) {
        throw new IllegalArgumentException("a followed stream goes on after a change or inside its snapshot, not both");
      }
    }

    public Changes(String lsn, long delivered) {
      this(lsn, delivered, null);
    }

    @Override
    public String source() {
      return CHANGES;
    }

    @Override
    public boolean isStart() {
      return lsn == null && cut == null;
    }

    /** From the start it is the public {@code "follow": true}; after a change, where that change was; inside the snapshot, the cut. */
    @Override
    public void writeTo(JsonObject request) {
      if (isStart()) {
        request.put(FOLLOW, true);
      } else {
        JsonObject changes = new JsonObject().put("lsn", lsn).put("delivered", delivered);
        if (cut != null) {
          changes.put(SnapshotCut.FIELD, cut.toJson());
        }
        request.put(FIELD, changes);
      }
    }
  }

  /**
   * Where a followed stream was cut inside its snapshot (see docs/delivery.md, "Following a
   * dataset"): the rows whose key is at or before {@code after} (text values, in {@code orderBy}
   * order) were delivered as the snapshot {@code base} saw them ({@code pg_current_snapshot()}'s
   * text), and, when {@code target} is not null, with the changes of the transactions {@code
   * target} saw and {@code base} did not, in commit order, up to change {@code delivered} of the
   * transaction committed at {@code lsn} ({@link Changes#ALL}: all of it). No transaction either
   * did not see committed at or before {@code start}, the log position to read their changes from.
   */
  record SnapshotCut(List<String> after, String start, String base, String target, String lsn, long delivered) {

    static final String FIELD = "snapshot";

    public SnapshotCut {
      if (after == null || after.isEmpty() || start == null || base == null || (target == null) != (lsn == null)) {
        throw new IllegalArgumentException("a snapshot cut needs its key, start and visibility, and a target with a position or neither");
      }
      after = List.copyOf(after);
    }

    /** Right after the snapshot row with key {@code after}: nothing delivered beyond what {@code base} saw. */
    public static SnapshotCut afterRow(List<String> after, String start, String base) {
      return new SnapshotCut(after, start, base, null, null, 0);
    }

    JsonObject toJson() {
      return new JsonObject().put("after", new JsonArray(after)).put("start", start).put("base", base).put("target", target)
          .put("lsn", lsn).put("delivered", delivered);
    }

    static SnapshotCut fromJson(JsonObject json) {
      JsonArray after = json.getJsonArray("after", new JsonArray());
      return new SnapshotCut(after.stream().map(String::valueOf).toList(), json.getString("start"), json.getString("base"),
          json.getString("target"), json.getString("lsn"), json.getLong("delivered", 0L));
    }
  }
}
