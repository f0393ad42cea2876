package io.sluice.cursor;

import static org.assertj.core.api.Assertions.assertThat;

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
    assertThat(sizer.nextFetch()).isEqualTo((1 << 20) / 1000);
    share.set(100 * 1000); // more streams now: a smaller share
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
}
