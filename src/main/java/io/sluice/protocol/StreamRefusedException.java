package io.sluice.protocol;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;

/** The producer refused an {@code open}: the request was invalid or the service unavailable. */
public class StreamRefusedException extends RuntimeException {

  private final StreamError error;

  public StreamRefusedException(StreamError error) {
    super(error.message(), null, false, false);
    this.error = error;
  }

  public StreamError error() {
    return error;
  }

  /**
   * The error a failed {@code open} (or any request to a stage) stands for: the stage's refusal,
   * or its absence. What the event bus says about an absent stage (addresses, timeouts) is not
   * in it: the caller logs {@code err} when {@link #isRefusal} is false.
   */
  public static StreamError errorOf(Throwable err) {
    if (err instanceof StreamRefusedException refused) {
      return refused.error();
    }
    if (err instanceof ReplyException reply && reply.failureCode() > 0) {
      try {
        return StreamError.fromJson(new JsonObject(reply.getMessage()));
      } catch (RuntimeException notJson) {
        return StreamError.of(StreamError.INTERNAL, 500, "the stream service failed");
      }
    }
    return StreamError.of(StreamError.DATABASE_UNAVAILABLE, 503, "stream service unavailable");
  }

  /** Whether {@code err} is a stage's own refusal, whose {@link StreamError} says all there is to say. */
  public static boolean isRefusal(Throwable err) {
    if (err instanceof StreamRefusedException) {
      return true;
    }
    if (err instanceof ReplyException reply && reply.failureCode() > 0) {
      try {
        new JsonObject(reply.getMessage());
        return true;
      } catch (RuntimeException notJson) {
        return false;
      }
    }
    return false;
  }
}
