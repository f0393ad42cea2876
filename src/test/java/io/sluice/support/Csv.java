package io.sluice.support;

import java.util.ArrayList;
import java.util.List;

/**
 * A small, independent RFC 4180 reader used as the tests' oracle: an unquoted empty field
 * reads as {@code null} (how COPY and Sluice write NULL), a quoted one as "".
 */
public final class Csv {

  private Csv() {}

  public static List<List<String>> parse(String text) {
    List<List<String>> rows = new ArrayList<>();
    List<String> row = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    boolean wasQuoted = false;
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
          field.append('"');
          i += 2;
          continue;
        }
        if (c == '"') {
          quoted = false;
        } else {
          field.append(c);
        }
        i++;
        continue;
      }
      switch (c) {
        case '"' -> {
          quoted = true;
          wasQuoted = true;
        }
        case ',' -> {
          row.add(finish(field, wasQuoted));
          wasQuoted = false;
        }
        case '\r' -> { }
        case '\n' -> {
          row.add(finish(field, wasQuoted));
          wasQuoted = false;
          rows.add(row);
          row = new ArrayList<>();
        }
        default -> field.append(c);
      }
      i++;
    }
    if (field.length() > 0 || wasQuoted || !row.isEmpty()) {
      row.add(finish(field, wasQuoted));
      rows.add(row);
    }
    return rows;
  }

  private static String finish(StringBuilder field, boolean wasQuoted) {
    String value = field.length() == 0 && !wasQuoted ? null : field.toString();
    field.setLength(0);
    return value;
  }
}
