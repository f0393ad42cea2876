package io.sluice.http;

import java.util.List;

/**
 * Hears what happens to one rows response, to count it ({@link MetricsObserver}) or record it
 * ({@link AuditObserver}); it never changes what the client gets. Every call comes from the
 * response's event loop, {@link #started} first and {@link #delivered} last, once.
 */
interface StreamObserver {

  /**
   * How a response ended, once it has nothing more to give: {@code status} one of {@link
   * AuditLog}'s, {@code httpStatus} null when the client left before one was sent, {@code
   * errorCode} null unless an error ended it, {@code rows} sent and {@code bytes} of body (an
   * error body included) the socket took.
   */
  record Outcome(String status, Integer httpStatus, String errorCode, long rows, long bytes) {}

  /** The stream opens, for {@code dataset} in {@code format}. */
  default void started(String dataset, String format) {}

  /** Rows written, and rows read but left out by sampling. */
  default void rows(int sent, int leftOut) {}

  /** Body bytes the socket took, of the rows' body (never of an error body). */
  default void bytes(int n) {}

  /** The response blocked on its client's socket (true), or drained (false). */
  default void blocked(boolean blocked) {}

  /** Sampling now keeps fewer rows. */
  default void samplingRaised() {}

  /** The response has nothing more to give: its last byte was written, or its connection is gone. */
  default void delivered(Outcome outcome) {}

  /** One observer telling each of {@code observers}, in order. */
  static StreamObserver all(StreamObserver... observers) {
    List<StreamObserver> each = List.of(observers);
    return new StreamObserver() {
      @Override
      public void started(String dataset, String format) {
        each.forEach(o -> o.started(dataset, format));
      }

      @Override
      public void rows(int sent, int leftOut) {
        each.forEach(o -> o.rows(sent, leftOut));
      }

      @Override
      public void bytes(int n) {
        each.forEach(o -> o.bytes(n));
      }

      @Override
      public void blocked(boolean blocked) {
        each.forEach(o -> o.blocked(blocked));
      }

      @Override
      public void samplingRaised() {
        each.forEach(StreamObserver::samplingRaised);
      }

      @Override
      public void delivered(Outcome outcome) {
        each.forEach(o -> o.delivered(outcome));
      }
    };
  }
}
