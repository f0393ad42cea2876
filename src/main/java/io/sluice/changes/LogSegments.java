package io.sluice.changes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The disk part of the {@link RetainedLog}: append-only segment files in one directory, each a
 * header (magic, the position before its first record) and records {@code [length][crc32][payload]},
 * the payload a transaction ({@link TransactionCodec}) or a position marker (the slot was read
 * that far). At most {@code maxBytes} in all: the oldest segments are deleted first. Opening
 * reads every segment; a record that is cut short or fails its checksum (a crash while writing)
 * ends the log there: the file is truncated and later segments are deleted. Written by one thread
 * (the slot reader's); read by any, each read on a channel of its own.
 */
final class LogSegments implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LogSegments.class);
  private static final int MAGIC = 0x534C4731; // "SLG1"
  static final int HEADER = 12;
  private static final int RECORD_HEADER = 8;
  private static final byte TRANSACTION = 'T';
  private static final byte MARK = 'P';
  private static final int INDEX_EVERY = 64 * 1024;
  private static final int MAX_RECORD = Integer.MAX_VALUE - 64;

  /** One segment file: the position before its first record, its length, its last position and a sparse index. */
  private static final class Segment {
    final Path path;
    final long sequence;
    final long start;
    long size = HEADER;
    long last;
    long[] indexLsn = new long[8];
    long[] indexOffset = new long[8];
    int indexed;

    Segment(Path path, long sequence, long start) {
      this.path = path;
      this.sequence = sequence;
      this.start = start;
      this.last = start - 1; // a transaction may commit right at the position a log starts from
    }

    void record(long lsn, long offset, long length) {
      if (indexed == 0 || offset - indexOffset[indexed - 1] >= INDEX_EVERY) {
        if (indexed == indexLsn.length) {
          indexLsn = java.util.Arrays.copyOf(indexLsn, indexed * 2);
          indexOffset = java.util.Arrays.copyOf(indexOffset, indexed * 2);
        }
        indexLsn[indexed] = lsn;
        indexOffset[indexed++] = offset;
      }
      size = offset + length;
      last = Math.max(last, lsn);
    }

    /** Where to start reading for the first record at or after {@code lsn}. */
    long offsetFor(long lsn) {
      long offset = HEADER;
      for (int i = 0; i < indexed && indexLsn[i] < lsn; i++) {
        offset = indexOffset[i];
      }
      return offset;
    }
  }

  /** What a reader needs of a segment, copied under the lock. */
  private record View(Path path, long size, long last, long offset) {}

  private final Path dir;
  private final long maxBytes;
  private final long segmentBytes;
  private final ArrayDeque<Segment> segments = new ArrayDeque<>();
  private final FileChannel lockChannel;
  private final FileLock lock;
  private FileChannel writing;
  private long bytes;
  private long nextSequence;

  private LogSegments(Path dir, long maxBytes, long segmentBytes, FileChannel lockChannel, FileLock lock) {
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.segmentBytes = segmentBytes;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Opens (creating) the segments in {@code dir}, at most {@code maxBytes} of them; refuses a
   * directory another process holds. An empty directory starts a log at {@code start}, and so
   * does one whose segments were written for another {@code source} (another database, another slot).
   */
  static LogSegments open(Path dir, long maxBytes, long start, String source) throws IOException {
    Files.createDirectories(dir);
    FileChannel lockChannel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = lockChannel.tryLock();
    } catch (java.nio.channels.OverlappingFileLockException e) {
      lock = null; // held by this process
    }
    if (lock == null) {
      lockChannel.close();
      throw new IOException("follow.logDir " + dir + " is in use by another process: give each Sluice node a directory of its own");
    }
    LogSegments log = new LogSegments(dir, maxBytes, Math.max(64 * 1024, Math.min(64L << 20, maxBytes / 8)), lockChannel, lock);
    Path identity = dir.resolve("source");
    if (!Files.exists(identity) || !Files.readString(identity).equals(source)) {
      try (Stream<Path> stale = Files.list(dir)) {
        for (Path file : stale.filter(p -> p.getFileName().toString().endsWith(".seg")).toList()) {
          Files.delete(file);
        }
      }
      Files.writeString(identity, source);
    }
    log.load();
    if (log.segments.isEmpty()) {
      log.roll(start);
    } else {
      log.writing = FileChannel.open(log.segments.getLast().path, StandardOpenOption.WRITE);
    }
    return log;
  }

  private void load() throws IOException {
    List<Path> files;
    try (Stream<Path> listed = Files.list(dir)) {
      files = listed.filter(p -> p.getFileName().toString().matches("\\d{20}\\.seg")).sorted().toList();
    }
    boolean broken = false;
    for (Path file : files) {
      if (broken) {
        Files.deleteIfExists(file);
        continue;
      }
      Segment segment = scan(file);
      if (segment == null) {
        LOG.warn("follow: segment {} has no valid header; it and later segments are dropped", file);
        Files.deleteIfExists(file);
        broken = true;
        continue;
      }
      if (!segments.isEmpty() && segment.start < segments.getLast().last) {
        LOG.warn("follow: segment {} starts before the previous one ends; it and later segments are dropped", file);
        Files.deleteIfExists(file);
        broken = true;
        continue;
      }
      segments.addLast(segment);
      nextSequence = segment.sequence + 1;
      bytes += segment.size;
      if (segment.size < Files.size(file)) {
        LOG.warn("follow: segment {} ends in a torn or corrupt record at byte {}; truncated there", file, segment.size);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
          channel.truncate(segment.size);
          channel.force(true);
        }
        broken = true;
      }
    }
  }

  /** Reads a segment's header and records, stopping at the first that is cut short or fails its checksum; null without a valid header. */
  private static Segment scan(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long length = channel.size();
      ByteBuffer header = ByteBuffer.allocate(HEADER);
      if (length < HEADER || channel.read(header, 0) < HEADER || header.getInt(0) != MAGIC) {
        return null;
      }
      String name = file.getFileName().toString();
      Segment segment = new Segment(file, Long.parseLong(name.substring(0, 20)), header.getLong(4));
      long offset = HEADER;
      ByteBuffer recordHeader = ByteBuffer.allocate(RECORD_HEADER);
      while (offset + RECORD_HEADER <= length) {
        recordHeader.clear();
        channel.read(recordHeader, offset);
        int size = recordHeader.getInt(0);
        if (size < 9 || size > MAX_RECORD || offset + RECORD_HEADER + size > length) {
          break;
        }
        ByteBuffer payload = ByteBuffer.allocate(size);
        channel.read(payload, offset + RECORD_HEADER);
        CRC32 crc = new CRC32();
        crc.update(payload.array());
        if ((int) crc.getValue() != recordHeader.getInt(4)) {
          break;
        }
        long lsn = payload.getLong(1);
        if (lsn < segment.last) {
          break;
        }
        segment.record(lsn, offset, RECORD_HEADER + size);
        offset += RECORD_HEADER + size;
      }
      return segment;
    }
  }

  /** The position before the oldest record held. */
  synchronized long start() {
    return segments.getFirst().start;
  }

  /** The last position recorded (a transaction's commit or a marker), or {@link #start()} less one when none. */
  synchronized long last() {
    return segments.getLast().last;
  }

  /** The bytes of every segment. */
  synchronized long bytes() {
    return bytes;
  }

  /** Appends {@code transaction}; deletes the oldest segments while the log is over its bound. */
  synchronized void append(Transaction transaction) {
    write(TRANSACTION, TransactionCodec.encode(transaction), transaction.commitLsn());
  }

  /** Records that the slot has been read up to {@code lsn}, when that is past the last record. */
  synchronized void mark(long lsn) {
    if (lsn > segments.getLast().last) {
      write(MARK, ByteBuffer.allocate(8).putLong(0, lsn).array(), lsn);
    }
  }

  /** Makes every record appended so far durable. */
  void force() {
    try {
      writing.force(false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void write(byte type, byte[] body, long lsn) {
    try {
      Segment current = segments.getLast();
      if (current.size >= segmentBytes && current.size > HEADER) {
        roll(current.last);
        current = segments.getLast();
      }
      ByteBuffer record = ByteBuffer.allocate(RECORD_HEADER + 1 + body.length);
      record.putInt(1 + body.length).putInt(0).put(type).put(body);
      CRC32 crc = new CRC32();
      crc.update(record.array(), RECORD_HEADER, 1 + body.length);
      record.putInt(4, (int) crc.getValue()).flip();
      long offset = current.size;
      while (record.hasRemaining()) {
        writing.write(record, offset + record.position());
      }
      current.record(lsn, offset, record.limit());
      bytes += record.limit();
      while (bytes > maxBytes && segments.size() > 1) {
        Segment oldest = segments.removeFirst();
        bytes -= oldest.size;
        Files.deleteIfExists(oldest.path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void roll(long start) throws IOException {
    if (writing != null) {
      writing.force(false);
      writing.close();
    }
    long sequence = nextSequence++;
    Path path = dir.resolve(String.format("%020d.seg", sequence));
    writing = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    writing.write(ByteBuffer.allocate(HEADER).putInt(MAGIC).putLong(start).flip(), 0);
    writing.force(true);
    Segment segment = new Segment(path, sequence, start);
    segments.addLast(segment);
    bytes += HEADER;
  }

  /**
   * Up to {@code max} transactions committed at or after {@code lsn}, in commit order; null when
   * {@code lsn} is before {@link #start()} or a segment it needs was deleted meanwhile.
   */
  List<Transaction> read(long lsn, int max) throws IOException {
    List<View> views = new ArrayList<>();
    synchronized (this) {
      if (lsn < segments.getFirst().start) {
        return null;
      }
      for (Segment segment : segments) {
        if (segment.last >= lsn && segment.size > HEADER) {
          views.add(new View(segment.path, segment.size, segment.last, views.isEmpty() ? segment.offsetFor(lsn) : HEADER));
        }
      }
    }
    List<Transaction> found = new ArrayList<>();
    for (View view : views) {
      try (FileChannel channel = FileChannel.open(view.path(), StandardOpenOption.READ)) {
        long offset = view.offset();
        ByteBuffer recordHeader = ByteBuffer.allocate(RECORD_HEADER);
        while (offset < view.size() && found.size() < max) {
          recordHeader.clear();
          readFully(channel, recordHeader, offset);
          int size = recordHeader.getInt(0);
          ByteBuffer payload = ByteBuffer.allocate(size);
          readFully(channel, payload, offset + RECORD_HEADER);
          offset += RECORD_HEADER + size;
          if (payload.get(0) == TRANSACTION && payload.getLong(1) >= lsn) {
            found.add(TransactionCodec.decode(payload.array(), 1, size - 1));
          }
        }
      } catch (NoSuchFileException e) {
        return null;
      }
      if (found.size() >= max) {
        break;
      }
    }
    return found;
  }

  private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
    while (buffer.hasRemaining()) {
      if (channel.read(buffer, position + buffer.position()) < 0) {
        throw new IOException("segment ends early");
      }
    }
  }

  /** Deletes every segment and starts again at {@code start} (the slot moved past what the log holds). */
  synchronized void reset(long start) throws IOException {
    for (Segment segment : segments) {
      Files.deleteIfExists(segment.path);
    }
    segments.clear();
    bytes = 0;
    roll(start);
  }

  @Override
  public synchronized void close() throws IOException {
    if (writing != null) {
      writing.force(false);
      writing.close();
    }
    lock.release();
    lockChannel.close();
  }
}
