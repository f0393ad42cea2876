import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Followers of the demo's {@code transactions} dataset against writers at a set rate: what
 * bench/follow.sh runs (it starts the PostgreSQL and the Sluice this talks to). Run with the
 * shaded jar on the class path (for pgjdbc):
 *
 * <pre>java -cp target/sluice.jar bench/FollowBench.java PORT JDBC_URL SLUICE_PID MODE FOLLOWERS RATE SECONDS ROWS</pre>
 *
 * MODE {@code rate}: FOLLOWERS followers, then writers at RATE changes/s for SECONDS (3 of 4
 * transactions change one row, 1 of 4 changes 5 rows, each row's {@code created_at} set to
 * {@code clock_timestamp()}); per change, the latency from that time to the follower reading its
 * line; p50/p99 over every follower's changes, changes/s each follower received while writers
 * wrote, how long after the writers stopped the last follower had every change, and the Sluice
 * JVM's CPU seconds (from /proc) from the first write to that point. MODE {@code max}: writers as
 * fast as they can until RATE changes are written, then the same figures (achieved changes/s = changes / time until
 * the last follower had them all). MODE {@code burst}: RATE changes as fast as possible, then the
 * slot's lag in bytes polled every 100 ms until under 1 MB. Prints one line of {@code key=value}.
 */
public final class FollowBench {

  static final AtomicLong received = new AtomicLong();
  static final AtomicLong lastReceipt = new AtomicLong();
  static volatile boolean measuring;
  static final List<long[]> latencies = new ArrayList<>();

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    String jdbc = args[1];
    long pid = Long.parseLong(args[2]);
    String mode = args[3];
    int followers = Integer.parseInt(args[4]);
    int rate = Integer.parseInt(args[5]);
    int seconds = Integer.parseInt(args[6]);
    long rows = Long.parseLong(args[7]);
    // from=now: the snapshot is (nearly) empty, and every row a writer touches (created_at = clock_timestamp()) is in the filter
    String path = System.getenv().getOrDefault("BENCH_FOLLOW_PATH", "/v1/datasets/transactions/rows?follow=true&from=")
        + java.time.Instant.now().toString();
    if (mode.equals("burst")) {
      burst(jdbc, rate, rows);
      return;
    }
    List<Reader> readers = new ArrayList<>();
    for (int i = 0; i < followers; i++) {
      readers.add(new Reader(port, path));
      if (i % 10 == 9) { // ten at a time: a hundred opened at once on a busy machine can outlast the stream service's open timeout (503)
        long wait = System.nanoTime() + 60_000_000_000L;
        while (readers.stream().anyMatch(r -> !r.live) && System.nanoTime() < wait) {
          Thread.sleep(20);
        }
      }
    }
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (readers.stream().anyMatch(r -> !r.live) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    if (readers.stream().anyMatch(r -> !r.live)) {
      throw new IllegalStateException("not every follower went live");
    }
    Thread.sleep(1000);
    measuring = true;
    double cpu0 = cpu(pid);
    long t0 = System.nanoTime();
    long written = mode.equals("max") ? write(jdbc, 0, 0, rate, rows) : write(jdbc, rate, seconds, 0, rows);
    long t1 = System.nanoTime();
    long expected = written * followers;
    deadline = System.nanoTime() + 120_000_000_000L;
    while (received.get() < expected && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    long t2 = lastReceipt.get();
    double cpu1 = cpu(pid);
    measuring = false;
    long[] all = readers.stream().flatMapToLong(r -> Arrays.stream(r.latency, 0, (int) Math.min(r.count, r.latency.length))).sorted().toArray();
    double writeSeconds = (t1 - t0) / 1e9;
    double allSeconds = (t2 - t0) / 1e9;
    System.out.printf(Locale.ROOT, "mode=%s followers=%d written=%d write_s=%.2f written_per_s=%.0f received=%d expected=%d"
            + " drain_after_writes_s=%.2f achieved_per_s_per_follower=%.0f p50_ms=%d p99_ms=%d max_ms=%d sluice_cpu_s=%.2f cpu_per_1k_changes_s=%.3f"
            + " refetch=%d%n",
        mode, followers, written, writeSeconds, written / writeSeconds, received.get(), expected, Math.max(0, (t2 - t1) / 1e9),
        written / allSeconds, pct(all, 0.50), pct(all, 0.99), all.length == 0 ? 0 : all[all.length - 1], cpu1 - cpu0,
        written == 0 ? 0 : (cpu1 - cpu0) * 1000 / written, readers.stream().filter(r -> r.refetched).count());
    System.exit(0);
  }

  static long pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return -1;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * p) - 1)];
  }

  static double cpu(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // CLK_TCK 100 on Linux
  }

  /** Writes at {@code rate} changes/s for {@code seconds}, or (count > 0) {@code count} changes as fast as two connections go; returns the changes written. */
  static long write(String jdbc, int rate, int seconds, long count, long rows) throws Exception {
    AtomicLong written = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    long start = System.nanoTime();
    long end = start + seconds * 1_000_000_000L;
    int writers = 2;
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      Thread thread = new Thread(() -> {
        try (Connection c = DriverManager.getConnection(jdbc); Statement s = c.createStatement()) {
          while (count > 0 ? written.get() < count : System.nanoTime() < end) {
            if (rate > 0) {
              long due = start + (long) (written.get() * 1e9 / rate);
              long wait = due - System.nanoTime();
              if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                continue;
              }
            }
            int n = ThreadLocalRandom.current().nextInt(4) == 0 ? 5 : 1;
            s.execute(update(n, rows));
            written.addAndGet(n);
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, "writer-" + w);
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    return written.get();
  }

  /** One transaction updating {@code n} distinct rows (a multi-statement simple query is one transaction). */
  static String update(int n, long rows) {
    StringBuilder sql = new StringBuilder();
    long first = 1 + ThreadLocalRandom.current().nextLong(rows - n);
    for (int i = 0; i < n; i++) {
      sql.append("UPDATE transactions SET created_at = clock_timestamp(), amount = round((random() * 1000)::numeric, 2) WHERE id = ")
          .append(first + i).append(';');
    }
    return n == 1 ? sql.toString() : "BEGIN;" + sql + "COMMIT;";
  }

  static void burst(String jdbc, int changes, long rows) throws Exception {
    long t0 = System.nanoTime();
    try (Connection c = DriverManager.getConnection(jdbc); Statement s = c.createStatement()) {
      for (int done = 0; done < changes; done += 5) {
        s.execute(update(5, rows));
      }
      long t1 = System.nanoTime();
      long peak = 0;
      long under = -1;
      while (System.nanoTime() - t1 < 60_000_000_000L) {
        try (ResultSet r = s.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint FROM pg_replication_slots"
            + " WHERE slot_type = 'logical'")) {
          long lag = r.next() ? r.getLong(1) : -1;
          peak = Math.max(peak, lag);
          if (lag >= 0 && lag < 1_000_000) {
            under = System.nanoTime();
            break;
          }
        }
        Thread.sleep(100);
      }
      System.out.printf(Locale.ROOT, "mode=burst changes=%d burst_s=%.2f peak_lag_bytes=%d under_1mb_after_burst_s=%s%n", changes, (t1 - t0) / 1e9,
          peak, under < 0 ? "never(60s)" : String.format(Locale.ROOT, "%.2f", (under - t1) / 1e9));
    }
  }

  /** One follower: reads NDJSON lines, times every change whose row carries a created_at. */
  static final class Reader {
    volatile boolean live;
    volatile boolean refetched;
    final long[] latency = new long[2_000_000];
    volatile int count;

    Reader(int port, String path) {
      Thread thread = new Thread(() -> run(port, path), "follower");
      thread.setDaemon(true);
      thread.start();
    }

    void run(int port, String path) {
      try {
        HttpResponse<InputStream> response = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
          throw new IllegalStateException("status " + response.statusCode());
        }
        BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        String line;
        while ((line = lines.readLine()) != null) {
          if (!line.startsWith("{\"_sluice\"")) {
            continue;
          }
          if (line.contains("\"status\":\"live\"")) {
            live = true;
            continue;
          }
          if (line.contains("must-refetch")) {
            refetched = true;
            return;
          }
          long now = System.currentTimeMillis();
          int at = line.indexOf("\"created_at\":\"");
          if (measuring && at > 0) {
            int from = at + 14;
            String text = line.substring(from, line.indexOf('"', from));
            long made = OffsetDateTime.parse(text).toInstant().toEpochMilli();
            if (count < latency.length) {
              latency[count] = now - made;
            }
            count++;
            received.incrementAndGet();
            lastReceipt.set(System.nanoTime());
          }
        }
      } catch (Exception e) {
        System.err.println("follower failed: " + e);
      }
    }
  }
}
