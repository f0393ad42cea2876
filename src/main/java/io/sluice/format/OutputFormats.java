package io.sluice.format;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The formats Sluice offers, in order of preference when a client does not mind which. */
public final class OutputFormats {

  /** Every format; the first is the default. */
  public static final List<OutputFormat> ALL = List.of(new NdjsonFormat(), new JsonArrayFormat(), new CsvFormat(), new TsvFormat(), new SseFormat(), new ArrowFormat());

  private OutputFormats() {}

  /** The format a {@code format=} value names, by name or alias, ignoring case. */
  public static Optional<OutputFormat> named(String name) {
    String wanted = name.toLowerCase(Locale.ROOT);
    return ALL.stream().filter(f -> f.name().equals(wanted) || f.aliases().contains(wanted)).findFirst();
  }

  /** The names clients may use, for error messages. */
  public static List<String> names() {
    return ALL.stream().map(OutputFormat::name).toList();
  }
}
