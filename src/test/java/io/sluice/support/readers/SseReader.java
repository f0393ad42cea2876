package io.sluice.support.readers;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.format.EncodingOptions;
import io.sluice.support.Sse;
import io.sluice.value.Column;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * SSE, parsed as EventSource does ({@link Sse}): each {@code message} event's data is a row
 * object; a complete stream ends with the {@code end} event, whose data is the summary, and
 * a stream without it is not complete. A {@code fail} event is a cut.
 */
final class SseReader implements FormatReader {

  @Override
  public List<List<Object>> read(byte[] body, List<Column> columns, EncodingOptions options) throws IOException {
    List<Sse.Event> events = Sse.parse(TypedValues.utf8(body));
    List<List<Object>> rows = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      Sse.Event event = events.get(i);
      switch (event.type()) {
        case "message" -> rows.add(TypedValues.row(TypedValues.JSON.readTree(event.data()), columns));
        case "fail" -> throw new IOException("the stream was cut: " + event.data());
        case "end" -> {
          if (i != events.size() - 1) {
            throw new AssertionError("events after the end event");
          }
          TypedValues.checkSummary(TypedValues.JSON.readTree(event.data()), rows.size());
          return rows;
        }
        default -> throw new AssertionError("an unexpected event: " + event);
      }
    }
    throw new IOException("no end event: the stream did not complete");
  }

  @Override
  public Cut readCut(byte[] body, List<Column> columns, EncodingOptions options) throws IOException {
    List<Sse.Event> events = Sse.parse(TypedValues.utf8(body));
    if (events.isEmpty() || !events.get(events.size() - 1).type().equals("fail")) {
      throw new AssertionError("the last event is not a fail event: " + events);
    }
    Sse.Event fail = events.get(events.size() - 1);
    List<List<Object>> rows = new ArrayList<>();
    String lastRowId = null;
    for (Sse.Event event : events.subList(0, events.size() - 1)) {
      if (!event.type().equals("message")) {
        throw new AssertionError("an event other than a row before the fail event: " + event);
      }
      rows.add(TypedValues.row(TypedValues.JSON.readTree(event.data()), columns));
      lastRowId = event.lastEventId();
    }
    JsonNode record = TypedValues.JSON.readTree(fail.data());
    return new Cut(rows, TypedValues.jsonRecord(record), lastRowId, fail.lastEventId());
  }

  @Override
  public boolean namesRows() {
    return true;
  }
}
