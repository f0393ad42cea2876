package io.sluice.dataset;

import io.sluice.value.ValueKind;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** Key values as a query string carries them ({@code after=}): which kinds can be read, and their checked form. */
final class KeyValues {

  private KeyValues() {}

  static boolean readable(ValueKind kind) {
    return switch (kind) {
      case SMALLINT, INTEGER, BIGINT, NUMERIC, TEXT, UUID, DATE, TIMESTAMP, TIMESTAMPTZ, BOOLEAN -> true;
      default -> false;
    };
  }

  /** The value checked against its kind, as PostgreSQL reads it back; throws {@link IllegalArgumentException} saying what was expected. */
  static String canonical(ValueKind kind, String raw) {
    String value = raw.strip();
    try {
      return switch (kind) {
        case SMALLINT, INTEGER, BIGINT -> Long.toString(Long.parseLong(value));
        case NUMERIC -> new BigDecimal(value).toPlainString();
        case UUID -> java.util.UUID.fromString(value).toString();
        case DATE -> LocalDate.parse(value).toString();
        case TIMESTAMP -> LocalDateTime.parse(value).toString();
        case TIMESTAMPTZ -> OffsetDateTime.parse(value).toString();
        case BOOLEAN -> switch (value.toLowerCase(Locale.ROOT)) {
          case "true", "false" -> value.toLowerCase(Locale.ROOT);
          default -> throw new IllegalArgumentException("expected true or false");
        };
        case TEXT -> {
          if (raw.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("contains a NUL character, which PostgreSQL text cannot hold");
          }
          yield raw;
        }
        default -> throw new IllegalArgumentException("a " + kind.name().toLowerCase(Locale.ROOT) + " key cannot be given as after=: use resume=");
      };
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected a number, got '" + value + "'");
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("expected an ISO-8601 " + kind.name().toLowerCase(Locale.ROOT) + ", got '" + value + "'");
    }
  }
}
