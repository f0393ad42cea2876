package io.sluice.cursor;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.value.RawJson;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BatchSizerTest {

  private static List<Object[]> rows(int count, int width) {
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      rows.add(new Object[] {"x".repeat(width)});
    }
    return rows;
  }

  @Test
  void firstFetchIsOneRow() {
    assertThat(new BatchSizer(1000, 1 << 20).nextFetch()).isEqualTo(1);
  }

  @Test
  void followsTheShareItIsGivenAtEachFetch() {
    AtomicInteger share = new AtomicInteger(1 << 20);
    BatchSizer sizer = new BatchSizer(100_000, share::get);
    sizer.observe(rows(10, 1000));
    long row = BatchSizer.bytes(rows(1, 1000).get(0));
    assertThat(sizer.nextFetch()).isEqualTo((int) ((1 << 20) / row));
    share.set((int) (100 * row)); // more streams now: a smaller share
    assertThat(sizer.nextFetch()).isEqualTo(100);
    share.set(10); // a share below one row still reads one
    assertThat(sizer.nextFetch()).isEqualTo(1);
  }

  @Test
  void neverMoreThanTheFetchSize() {
    BatchSizer sizer = new BatchSizer(500, 1 << 20);
    sizer.observe(rows(10, 10));
    assertThat(sizer.nextFetch()).isEqualTo(500);
  }

  /**
   * What a batch counts is what its rows hold on the heap, measured as the bytes this thread
   * allocates to build them: rows like the demo's transactions (two bigints, a numeric, six
   * texts, a JSON value) and their keys. Counting text by its length, as it once did, took
   * them for a third of that.
   */
  @Test
  void countsWhatRowsHoldOnTheHeap() {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    char[] description = "card payment at the corner grocer, receipt 0042".toCharArray();
    char[] tags = "{\"risk\": \"low\", \"channel\": \"web\"}".toCharArray();
    char[] currency = "EUR".toCharArray();
    char[] merchant = "m0042".toCharArray();
    char[] category = "grocery".toCharArray();
    char[] status = "settled".toCharArray();
    char[] createdAt = "2026-12-08T02:30:04.179Z".toCharArray();
    int count = 20_000;
    List<Object[]> rows = new ArrayList<>(count);
    List<Object[]> keys = new ArrayList<>(count);
    long thread = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(thread);
    for (int i = 0; i < count; i++) {
      Long id = Long.valueOf(1_000_000L + i);
      Object[] row = {
        id, Long.valueOf(2_000_000L + i), BigDecimal.valueOf(1_000_000L + i, 2), new String(currency),
        new String(merchant), new String(category), new String(status), new String(createdAt), new String(description),
        new RawJson(new String(tags))
      };
      rows.add(row);
      keys.add(new Object[] {id});
    }
    long measured = threads.getThreadAllocatedBytes(thread) - before;
    long estimated = 0;
    for (Object[] row : rows) {
      estimated += BatchSizer.bytes(row);
    }
    assertThat(keys).hasSize(count);
    assertThat((double) estimated / measured).isBetween(0.8, 1.25);
  }
}
