package io.sluice.format;

import io.sluice.error.Failure;
import io.vertx.core.json.JsonObject;

/**
 * How a stream ended, as the in-band summary and error records state it: {@code complete}
 * with the rows sent, {@code sampled} with the rows sent and the rows read of which they are
 * a sample, or {@code partial} with the rows sent before the error, the error and {@code
 * resume}, the token that goes on after the last of those rows. A sampled stream's summary,
 * partial or not, also names the rows read and the last sampling rate ({@code sampled}).
 */
public record StreamSummary(String status, long rows, Failure error, String resume, Sampled sampled) {

  public static final String COMPLETE = "complete";
  public static final String SAMPLED = "sampled";
  public static final String PARTIAL = "partial";

  /** What sampling left out: {@code read} rows reached the response, one in {@code rate} was sent at the end. */
  public record Sampled(long read, int rate) {}

  public static StreamSummary complete(long rows) {
    return new StreamSummary(COMPLETE, rows, null, null, null);
  }

  /** A clean end that sent {@code rows} of the rows read: a sample, not every row. */
  public static StreamSummary sampled(long rows, Sampled sampled) {
    return new StreamSummary(SAMPLED, rows, null, null, sampled);
  }

  public static StreamSummary partial(long rows, Failure error, String resume) {
    return partial(rows, error, resume, null);
  }

  /** A cut after {@code rows} rows; {@code sampled} is null unless sampling left rows out before the cut. */
  public static StreamSummary partial(long rows, Failure error, String resume, Sampled sampled) {
    return new StreamSummary(PARTIAL, rows, error, resume, sampled);
  }

  /** The error as the text records of CSV, TSV and Arrow state it: {@code <code>: <message> (request <id>)}. */
  public String errorText() {
    if (error == null) {
      return status;
    }
    return error.code() + ": " + error.message() + (error.requestId() == null ? "" : " (request " + error.requestId() + ")");
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("status", status).put("rows", rows);
    if (sampled != null) {
      json.put("read", sampled.read()).put("rate", sampled.rate());
    }
    if (error != null) {
      JsonObject described = new JsonObject().put("code", error.code()).put("message", error.message());
      if (error.requestId() != null) {
        described.put("requestId", error.requestId());
      }
      json.put("error", described);
    }
    if (resume != null) {
      json.put("resume", resume);
    }
    return json;
  }
}
