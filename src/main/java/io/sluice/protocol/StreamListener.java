package io.sluice.protocol;

/** What a {@link StreamConsumer} reports. Exactly one of {@link #onEnd} or {@link #onError} ends a stream. */
public interface StreamListener {

  /** The producer has begun its work; at most once, before the first batch. */
  default void onStarted(StreamStart start) {}

  /** Batches arrive in sequence order, never more than the credits granted. */
  void onBatch(RowBatch batch);

  /** The stream completed; {@code rows} is the total the producer sent. */
  void onEnd(long rows);

  /** The stream failed or was cut (including a lost producer). */
  void onError(StreamError error);
}
