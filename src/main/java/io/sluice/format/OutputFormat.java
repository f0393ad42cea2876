package io.sluice.format;

import java.util.List;

/**
 * One response format. Adding a format is one class implementing this, registered in {@link
 * OutputFormats#ALL}.
 */
public interface OutputFormat {

  /** The {@code format=} value that selects it, lower case. */
  String name();

  /** Other {@code format=} values that select it. */
  default List<String> aliases() {
    return List.of();
  }

  /** The media types an {@code Accept} header may name it by; the first is its own. */
  List<String> mediaTypes();

  /** The {@code Content-Type} of a response in this format. */
  default String contentType() {
    return mediaTypes().get(0);
  }

  /** The file extension a download gets, or {@code null} when it is not offered as a file. */
  default String fileExtension() {
    return null;
  }

  /** Whether HTTP compression may apply (binary formats that compress themselves say no). */
  default boolean compressible() {
    return true;
  }

  /**
   * Whether its encoders can announce a change of sampling rate in-band ({@link
   * RowEncoder#samplingChange}), which a stream needs to sample ({@code degrade=sample}).
   */
  default boolean marksSampling() {
    return false;
  }

  /**
   * Whether its encoders write a followed stream's records: changes with their operation and
   * position, and the {@code live} and {@code must-refetch} statuses ({@link
   * io.sluice.value.ChangeKey}), which {@code follow=true} needs.
   */
  default boolean follows() {
    return false;
  }

  RowEncoder newEncoder(EncodingOptions options);
}
