package io.sluice.bridge;

import io.sluice.protocol.Frames;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The stream addresses a bridge client may use, and the stream id inside one. */
final class StreamAddresses {

  /** Stream ids a bridge client may choose: a UUID fits, and no id can reach into another address. */
  static final Pattern STREAM_ID = Pattern.compile("[A-Za-z0-9_-]{1,100}");
  static final Pattern DATA = Pattern.compile("sluice\\.stream\\.(" + STREAM_ID.pattern() + ")\\.data");
  static final Pattern CONTROL = Pattern.compile("sluice\\.stream\\.(" + STREAM_ID.pattern() + ")\\.control");

  private StreamAddresses() {}

  /** The stream id of {@code address} if it matches {@code kind}, else null. */
  static String streamId(Pattern kind, String address) {
    if (address == null) {
      return null;
    }
    Matcher matcher = kind.matcher(address);
    return matcher.matches() ? matcher.group(1) : null;
  }

  /** Whether {@code replyTo} is the data address of {@code streamId}. */
  static boolean isDataAddressOf(String streamId, Object replyTo) {
    return Frames.dataAddress(streamId).equals(replyTo);
  }
}
