package io.sluice.http;

import io.vertx.ext.web.ParsedHeaderValues;
import io.vertx.ext.web.MIMEHeader;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/** The response formats, chosen by {@code format=} or else by the {@code Accept} header. */
enum OutputFormat {
  NDJSON("application/x-ndjson", NdjsonEncoder::new),
  CSV("text/csv; charset=utf-8", CsvEncoder::new);

  private final String contentType;
  private final Supplier<RowEncoder> encoder;

  OutputFormat(String contentType, Supplier<RowEncoder> encoder) {
    this.contentType = contentType;
    this.encoder = encoder;
  }

  String contentType() {
    return contentType;
  }

  RowEncoder newEncoder() {
    return encoder.get();
  }

  /** The {@code format} parameter, if it names a known format. */
  static Optional<OutputFormat> named(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "ndjson", "jsonl" -> Optional.of(NDJSON);
      case "csv" -> Optional.of(CSV);
      default -> Optional.empty();
    };
  }

  /** The best format the {@code Accept} header allows (NDJSON when there is none), if any. */
  static Optional<OutputFormat> negotiate(ParsedHeaderValues headers) {
    if (headers.accept().isEmpty()) {
      return Optional.of(NDJSON);
    }
    for (MIMEHeader accepted : headers.accept()) {
      String type = accepted.component() + "/" + accepted.subComponent();
      switch (type.toLowerCase(Locale.ROOT)) {
        case "text/csv":
          return Optional.of(CSV);
        case "application/x-ndjson", "application/jsonl", "application/json", "application/*", "*/*":
          return Optional.of(NDJSON);
        default:
          break;
      }
    }
    return Optional.empty();
  }
}
