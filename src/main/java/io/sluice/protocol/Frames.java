package io.sluice.protocol;

import io.vertx.core.eventbus.DeliveryOptions;

/** Names of the credit protocol: addresses, the frame-kind header and its values. */
public final class Frames {

  /**
   * Address of the source stage's {@code open} service. (Its name from when the keyset cursor
   * was the only source: kept, so that nodes of two versions still reach each other during a
   * rolling update.)
   */
  public static final String SOURCE_OPEN = "sluice.cursor.open";
  /** Address of the source stage's request check: the body is a request, the reply an estimate or a refusal. */
  public static final String SOURCE_CHECK = "sluice.cursor.check";
  /** Address of the transform verticles' {@code open} service. */
  public static final String TRANSFORM_OPEN = "sluice.transform.open";

  /** The node-local twin of a stage's service {@code address}: only this node's instances answer it. */
  public static String local(String address) {
    return address + ".local";
  }

  /** Header carrying a frame's kind. */
  public static final String KIND = "sluice-frame";
  /**
   * Header of a {@code batch} frame of a bus or bridge stream: the signed resume token that goes
   * on after the batch's last row (the same token HTTP writes in a cut body's record).
   */
  public static final String RESUME = "sluice-resume";

  // data frames, producer -> consumer
  public static final String STARTED = "started";
  public static final String BATCH = "batch";
  public static final String END = "end";
  public static final String ERROR = "error";
  // control frames, consumer -> producer
  public static final String CREDIT = "credit";
  public static final String CANCEL = "cancel";
  // both ways
  public static final String PING = "ping";

  private Frames() {}

  static DeliveryOptions kind(String kind) {
    return new DeliveryOptions().addHeader(KIND, kind);
  }

  /** A frame of {@code kind} carrying {@code resumeToken} (none when null). */
  static DeliveryOptions kind(String kind, String resumeToken) {
    DeliveryOptions options = kind(kind);
    return resumeToken == null ? options : options.addHeader(RESUME, resumeToken);
  }

  /** Where the consumer of stream {@code streamId} listens for data frames, by convention. */
  public static String dataAddress(String streamId) {
    return "sluice.stream." + streamId + ".data";
  }

  /** Where the producer of stream {@code streamId} listens for control frames. */
  public static String controlAddress(String streamId) {
    return "sluice.stream." + streamId + ".control";
  }
}
