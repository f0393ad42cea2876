package io.sluice.http;

import io.sluice.format.OutputFormat;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.time.LocalDate;
import java.time.ZoneOffset;

/** The headers a row stream answers with, the same for {@code GET} and {@code HEAD}. */
record ResponseHeaders(String contentType, String contentDisposition) {

  static ResponseHeaders of(OutputFormat format, String dataset) {
    String disposition = format.fileExtension() == null ? null
        : "attachment; filename=\"" + dataset + "-" + LocalDate.now(ZoneOffset.UTC) + "." + format.fileExtension() + "\"";
    return new ResponseHeaders(format.contentType(), disposition);
  }

  HttpServerResponse apply(HttpServerResponse response) {
    response.putHeader(HttpHeaders.CONTENT_TYPE, contentType);
    if (contentDisposition != null) {
      response.putHeader(HttpHeaders.CONTENT_DISPOSITION, contentDisposition);
    }
    return response;
  }
}
