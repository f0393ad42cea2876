package io.sluice.changes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The retained log keeps transactions in memory and on disk, and reloads them after a restart")
class RetainedLogTest {

  private static final Relation ITEMS = new Relation(42, "public", "items", List.of("id", "body", "doc"), new int[] {20, 25, Relation.JSONB});
  private static final long BASE = 0x1_0000_0000L;

  @TempDir
  Path dir;

  private static Transaction transaction(int n, int bodyLength) {
    String body = n % 5 == 0 ? null : "é-" + "x".repeat(bodyLength);
    return new Transaction(1000 + n, BASE + n * 100L,
        List.of(new RowChange(ITEMS, RowChange.Kind.INSERT, new String[] {String.valueOf(n), body, "{\"n\":" + n + "}"}, null),
            new RowChange(ITEMS, RowChange.Kind.UPDATE, new String[] {String.valueOf(n), "b", null}, new String[] {String.valueOf(n), body, null}),
            new RowChange(ITEMS, RowChange.Kind.DELETE, null, new String[] {String.valueOf(n), null, null})),
        n % 7 == 0 ? Set.of("public.items") : Set.of());
  }

  private static void assertSame(List<Transaction> actual, int from, int to) {
    assertThat(actual).hasSize(to - from + 1);
    for (int i = 0; i < actual.size(); i++) {
      Transaction expected = transaction(from + i, 50);
      Transaction got = actual.get(i);
      assertThat(got.xid()).isEqualTo(expected.xid());
      assertThat(got.commitLsn()).isEqualTo(expected.commitLsn());
      assertThat(got.truncated()).isEqualTo(expected.truncated());
      assertThat(got.changes()).hasSize(3);
      for (int c = 0; c < 3; c++) {
        assertThat(got.changes().get(c).kind()).isEqualTo(expected.changes().get(c).kind());
        assertThat(got.changes().get(c).newValues()).isEqualTo(expected.changes().get(c).newValues());
        assertThat(got.changes().get(c).oldValues()).isEqualTo(expected.changes().get(c).oldValues());
        assertThat(got.changes().get(c).relation().qualifiedName()).isEqualTo("public.items");
        assertThat(got.changes().get(c).relation().columns()).isEqualTo(ITEMS.columns());
        assertThat(got.changes().get(c).relation().isJson(2)).isTrue();
      }
    }
  }

  private long diskBytes() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".seg")).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  private Path lastSegment() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".seg")).sorted().reduce((a, b) -> b).orElseThrow();
    }
  }

  @Test
  @DisplayName("transactions older than the memory part are read back from disk, and all of them again after a reopen")
  void readsBackAndReloads() throws Exception {
    try (RetainedLog log = RetainedLog.open(10, dir, 1 << 20, BASE, "db/slot")) {
      for (int n = 1; n <= 200; n++) {
        log.append(transaction(n, 50));
      }
      assertThat(log.size()).isEqualTo(10);
      assertThat(log.inMemory(BASE + 100)).isFalse();
      assertSame(log.from(BASE + 100, 1000), 1, 200);
      assertSame(log.from(BASE + 150 * 100, 3), 150, 152);
      assertSame(log.from(BASE + 150 * 100 + 1, 3), 151, 153);
      assertSame(log.from(BASE + 195 * 100), 195, 200);
      assertThat(log.sync()).isEqualTo(BASE + 200 * 100);
    }
    try (RetainedLog log = RetainedLog.open(10, dir, 1 << 20, BASE + 150 * 100, "db/slot")) {
      assertThat(log.start()).isEqualTo(BASE);
      assertThat(log.passed()).isEqualTo(BASE + 200 * 100);
      assertThat(log.size()).isZero();
      assertSame(log.from(BASE, 1000), 1, 200);
      log.append(transaction(201, 50));
      assertSame(log.from(BASE + 199 * 100), 199, 201);
    }
  }

  @Test
  @DisplayName("a torn last record (a crash while writing) is cut off at reopen; the records before it stay and the log goes on")
  void tornTail() throws Exception {
    try (RetainedLog log = RetainedLog.open(10, dir, 1 << 20, BASE, "db/slot")) {
      for (int n = 1; n <= 30; n++) {
        log.append(transaction(n, 50));
      }
    }
    long whole = Files.size(lastSegment());
    try (RandomAccessFile file = new RandomAccessFile(lastSegment().toFile(), "rw")) {
      file.setLength(whole - 7);
    }
    try (RetainedLog log = RetainedLog.open(10, dir, 1 << 20, BASE, "db/slot")) {
      assertThat(log.passed()).isEqualTo(BASE + 29 * 100);
      assertSame(log.from(BASE, 1000), 1, 29);
      assertThat(Files.size(lastSegment())).isLessThan(whole - 7);
      log.append(transaction(30, 50));
      log.append(transaction(31, 50));
    }
    try (RetainedLog log = RetainedLog.open(10, dir, 1 << 20, BASE, "db/slot")) {
      assertSame(log.from(BASE, 1000), 1, 31);
    }
  }

  @Test
  @DisplayName("a record whose bytes changed fails its checksum: the log ends before it")
  void corruptRecord() throws Exception {
    long[] lengths = new long[21];
    try (RetainedLog log = RetainedLog.open(10, dir, 1 << 20, BASE, "db/slot")) {
      for (int n = 1; n <= 20; n++) {
        log.append(transaction(n, 50));
        lengths[n] = Files.size(lastSegment());
      }
    }
    try (RandomAccessFile file = new RandomAccessFile(lastSegment().toFile(), "rw")) {
      long inside = lengths[15] + 30; // in the payload of transaction 16
      file.seek(inside);
      int b = file.read();
      file.seek(inside);
      file.write(b ^ 0x10);
    }
    try (RetainedLog log = RetainedLog.open(10, dir, 1 << 20, BASE, "db/slot")) {
      assertSame(log.from(BASE, 1000), 1, 15);
      assertThat(Files.size(lastSegment())).isEqualTo(lengths[15]);
    }
  }

  @Test
  @DisplayName("the disk part stays within retainedBytes: the oldest segments go, start() moves on, and older positions are refused")
  void boundedOnDisk() throws Exception {
    long bound = 256 * 1024;
    Random random = new Random(7);
    try (RetainedLog log = RetainedLog.open(5, dir, bound, BASE, "db/slot")) {
      long lastStart = log.start();
      for (int n = 1; n <= 3000; n++) {
        log.append(transaction(n, random.nextInt(400)));
        assertThat(diskBytes()).isLessThanOrEqualTo(bound);
        assertThat(log.start()).isGreaterThanOrEqualTo(lastStart);
        lastStart = log.start();
      }
      assertThat(diskBytes()).isGreaterThan(bound * 3 / 4);
      assertThat(log.diskBytes()).isEqualTo(diskBytes());
      assertThat(log.start()).isGreaterThan(BASE);
      assertThat(log.from(BASE + 100)).isNull();
      assertThat(log.from(log.start() - 1, 10)).isNull();
      List<Transaction> oldest = log.from(log.start(), 10_000);
      assertThat(oldest).isNotEmpty();
      assertThat(oldest.get(oldest.size() - 1).commitLsn()).isEqualTo(BASE + 3000 * 100);
      for (int i = 1; i < oldest.size(); i++) {
        assertThat(oldest.get(i).commitLsn()).isEqualTo(oldest.get(i - 1).commitLsn() + 100);
      }
    }
  }

  @Test
  @DisplayName("a log that stops before the slot's confirmed position, or was written for another database, is cleared; a directory in use is refused")
  void gapsAndLocks() throws Exception {
    try (RetainedLog log = RetainedLog.open(10, dir, 1 << 20, BASE, "db/slot")) {
      log.append(transaction(1, 10));
      assertThatThrownBy(() -> RetainedLog.open(10, dir, 1 << 20, BASE, "db/slot")).hasMessageContaining("in use");
    }
    try (RetainedLog log = RetainedLog.open(10, dir, 1 << 20, BASE + 10_000, "db/slot")) {
      assertThat(log.start()).isEqualTo(BASE + 10_000);
      assertThat(log.passed()).isEqualTo(BASE + 10_000 - 1);
      assertThat(log.from(BASE + 10_000)).isEmpty();
      assertThat(log.from(BASE)).isNull();
      log.append(transaction(101, 10));
    }
    try (RetainedLog log = RetainedLog.open(10, dir, 1 << 20, BASE, "another-db/slot")) {
      assertThat(log.start()).isEqualTo(BASE);
      assertThat(log.from(BASE)).isEmpty();
    }
  }

  @Test
  @DisplayName("a snapshot starting now reads the newest transactions again, never before what the log holds")
  void recentStartsBeforeTheNewest() throws Exception {
    try (RetainedLog log = RetainedLog.open(10, dir, 1 << 20, BASE, "db/slot")) {
      assertThat(log.recent(64)).as("an empty log: where it starts").isEqualTo(BASE);
      for (int n = 1; n <= 30; n++) {
        log.append(transaction(n, 50));
      }
      log.passed(BASE + 30 * 100L + 50);
      assertThat(log.recent(0)).isEqualTo(BASE + 30 * 100L + 50);
      // the newest 3 held in memory (of 10) are read again: from just before transaction 28's commit
      assertThat(log.recent(3)).isEqualTo(transaction(28, 10).commitLsn() - 1);
      assertSame(log.from(log.recent(3), 10).stream().filter(t -> t.commitLsn() > log.recent(3)).toList(), 28, 30);
      // more than memory holds: as far back as memory goes, never before the log's start
      assertThat(log.recent(64)).isEqualTo(transaction(21, 10).commitLsn() - 1).isGreaterThanOrEqualTo(log.start());
    }
  }

  @Test
  @DisplayName("a position passed without a transaction is kept on disk at sync, so a reload knows the slot was read that far")
  void passedMarker() throws Exception {
    try (RetainedLog log = RetainedLog.open(10, dir, 1 << 20, BASE, "db/slot")) {
      log.append(transaction(1, 50));
      log.passed(BASE + 5000);
      assertThat(log.durable()).isLessThan(BASE + 5000);
      assertThat(log.sync()).isEqualTo(BASE + 5000);
    }
    try (RetainedLog log = RetainedLog.open(10, dir, 1 << 20, BASE + 5001, "db/slot")) {
      assertThat(log.start()).isEqualTo(BASE);
      assertThat(log.passed()).isEqualTo(BASE + 5000);
      assertSame(log.from(BASE, 10), 1, 1);
    }
  }

  @Test
  @DisplayName("a cluster node's in-memory copy gets a disk part when it takes the slot over: what it holds is written, and what it holds later is read back")
  void attachesDiskToCopy() throws Exception {
    RetainedLog copy = new RetainedLog(10, BASE);
    for (int n = 1; n <= 30; n++) {
      copy.append(transaction(n, 50));
    }
    assertThat(copy.from(BASE + 100)).as("a memory-only copy has lost the oldest").isNull();
    copy.attachDisk(dir, 1 << 20, "db/slot");
    assertThat(copy.sync()).as("durable as far as the copy has passed").isEqualTo(BASE + 30 * 100);
    for (int n = 31; n <= 60; n++) {
      copy.append(transaction(n, 50));
    }
    assertThat(copy.inMemory(BASE + 25 * 100)).isFalse();
    assertSame(copy.from(BASE + 21 * 100, 1000), 21, 60); // what the copy held when it took over, from disk
    copy.close();
  }

  @Test
  @DisplayName("a restarted node that takes the slot over before it has received anything takes over what its disk holds from before")
  void adoptsDiskAfterRestart() throws Exception {
    try (RetainedLog before = RetainedLog.open(10, dir, 1 << 20, BASE, "db/slot")) {
      for (int n = 1; n <= 40; n++) {
        before.append(transaction(n, 50));
      }
      before.sync();
    }
    // the slot was confirmed somewhere inside what the disk holds; the new copy starts there, empty
    RetainedLog copy = new RetainedLog(10, BASE + 35 * 100);
    copy.attachDisk(dir, 1 << 20, "db/slot");
    assertThat(copy.passed()).isEqualTo(BASE + 40 * 100);
    assertSame(copy.from(BASE + 100, 1000), 1, 40);
    copy.close();
  }
}
