package io.sluice.http;

import io.sluice.format.OutputFormat;
import io.sluice.format.OutputFormats;
import io.vertx.ext.web.MIMEHeader;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Picks a response format from the {@code Accept} header (RFC 9110 §12.5.1): each format takes
 * the quality of the most specific media range that matches it, {@code q=0} excludes it, the
 * highest quality wins and ties go to the order of {@link OutputFormats#ALL}. No header means
 * the first format.
 */
final class FormatNegotiation {

  private FormatNegotiation() {}

  static Optional<OutputFormat> negotiate(List<MIMEHeader> accept) {
    if (accept.isEmpty()) {
      return Optional.of(OutputFormats.ALL.get(0));
    }
    OutputFormat best = null;
    float bestQuality = 0;
    for (OutputFormat format : OutputFormats.ALL) {
      float quality = quality(format, accept);
      if (quality > bestQuality) {
        best = format;
        bestQuality = quality;
      }
    }
    return Optional.ofNullable(best);
  }

  private static float quality(OutputFormat format, List<MIMEHeader> accept) {
    float quality = 0;
    for (String mediaType : format.mediaTypes()) {
      quality = Math.max(quality, quality(mediaType, accept));
    }
    return quality;
  }

  private static float quality(String mediaType, List<MIMEHeader> accept) {
    String[] parts = mediaType.split("/", 2);
    int bestSpecificity = -1;
    float quality = 0;
    for (MIMEHeader range : accept) {
      int specificity = specificity(range, parts[0], parts[1]);
      if (specificity > bestSpecificity) {
        bestSpecificity = specificity;
        quality = range.weight();
      }
    }
    return quality;
  }

  /** 2 for an exact match, 1 for {@code type/*}, 0 for {@code * /*}, -1 for no match. */
  private static int specificity(MIMEHeader range, String type, String subtype) {
    String rangeType = range.component().toLowerCase(Locale.ROOT);
    String rangeSubtype = range.subComponent().toLowerCase(Locale.ROOT);
    if (rangeType.equals("*")) {
      return 0;
    }
    if (!rangeType.equals(type)) {
      return -1;
    }
    if (rangeSubtype.equals("*")) {
      return 1;
    }
    return rangeSubtype.equals(subtype) ? 2 : -1;
  }
}
