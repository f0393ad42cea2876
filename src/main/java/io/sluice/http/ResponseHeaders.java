package io.sluice.http;

import io.sluice.format.OutputFormat;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.time.LocalDate;
import java.time.ZoneOffset;

/** The headers a row stream answers with, the same for {@code GET} and {@code HEAD}. */
record ResponseHeaders(String contentType, String contentDisposition, boolean compressible) {

  static ResponseHeaders of(OutputFormat format, String dataset) {
    String disposition = format.fileExtension() == null ? null
        : "attachment; filename=\"" + dataset + "-" + LocalDate.now(ZoneOffset.UTC) + "." + format.fileExtension() + "\"";
    return new ResponseHeaders(format.contentType(), disposition, format.compressible());
  }

  HttpServerResponse apply(HttpServerResponse response) {
    response.putHeader(HttpHeaders.CONTENT_TYPE, contentType);
    if (!compressible) {
      // Vert.x's compressor leaves a response alone that says it is not encoded
      response.putHeader(HttpHeaders.CONTENT_ENCODING, HttpHeaders.IDENTITY);
    }
    if (contentDisposition != null) {
      response.putHeader(HttpHeaders.CONTENT_DISPOSITION, contentDisposition);
    }
    return response;
  }
}
