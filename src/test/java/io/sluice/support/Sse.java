package io.sluice.support;

import java.util.ArrayList;
import java.util.List;

/**
 * A reader of {@code text/event-stream} bodies that follows the WHATWG parsing rules used by
 * browsers' EventSource (fields, multi-line data, comments, blank-line dispatch, an event
 * cut before its blank line is dropped), as the tests' oracle.
 */
public final class Sse {

  /** One dispatched event; {@code lastEventId} as EventSource would report it. */
  public record Event(String type, String data, String lastEventId) {}

  private Sse() {}

  public static List<Event> parse(String body) {
    List<Event> events = new ArrayList<>();
    String type = "";
    StringBuilder data = new StringBuilder();
    String lastEventId = "";
    boolean hasData = false;
    String[] lines = body.split("\r\n|\r|\n", -1);
    // the last element follows the last line break: an unterminated line is never processed
    for (int i = 0; i < lines.length - 1; i++) {
      String line = lines[i];
      if (line.isEmpty()) {
        if (hasData) {
          String text = data.toString();
          events.add(new Event(type.isEmpty() ? "message" : type, text.endsWith("\n") ? text.substring(0, text.length() - 1) : text, lastEventId));
        }
        type = "";
        data.setLength(0);
        hasData = false;
        continue;
      }
      if (line.startsWith(":")) {
        continue;
      }
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + 1);
      if (value.startsWith(" ")) {
        value = value.substring(1);
      }
      switch (field) {
        case "event" -> type = value;
        case "data" -> {
          data.append(value).append('\n');
          hasData = true;
        }
        case "id" -> {
          if (!value.contains("\0")) {
            lastEventId = value;
          }
        }
        default -> { }
      }
    }
    return events;
  }
}
