package io.sluice.dataset;

import io.sluice.error.ConfigException;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** The types a dataset parameter may declare, each with how a query-string value parses. */
public enum ParameterType {
  STRING {
    @Override
    Object parse(String raw) {
      if (raw.indexOf('\0') >= 0) {
        // PostgreSQL's text cannot hold it: binding it would fail the statement, and the stream's transaction with it
        throw new IllegalArgumentException("contains a NUL character, which PostgreSQL text cannot hold");
      }
      return raw;
    }
  },
  INTEGER {
    @Override
    Object parse(String raw) {
      try {
        return Long.parseLong(raw.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("expected an integer");
      }
    }
  },
  DECIMAL {
    @Override
    Object parse(String raw) {
      try {
        return new BigDecimal(raw.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("expected a decimal number");
      }
    }
  },
  BOOLEAN {
    @Override
    Object parse(String raw) {
      return switch (raw.trim().toLowerCase(Locale.ROOT)) {
        case "true" -> Boolean.TRUE;
        case "false" -> Boolean.FALSE;
        default -> throw new IllegalArgumentException("expected true or false");
      };
    }
  },
  TIMESTAMP {
    @Override
    Object parse(String raw) {
      try {
        return OffsetDateTime.parse(raw.trim());
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("expected an ISO-8601 timestamp with offset, e.g. 2024-01-31T12:00:00Z");
      }
    }
  },
  DATE {
    @Override
    Object parse(String raw) {
      try {
        return LocalDate.parse(raw.trim());
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("expected an ISO-8601 date, e.g. 2024-01-31");
      }
    }
  };

  /** Parses a query-string value, or throws {@link IllegalArgumentException} saying what was expected. */
  abstract Object parse(String raw);

  public String jsonName() {
    return name().toLowerCase(Locale.ROOT);
  }

  static ParameterType of(String name) {
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new io.sluice.error.ConfigException("unknown parameter type '" + name + "'");
    }
  }
}
