package io.sluice.dataset;

import io.sluice.error.InvalidRequestException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The names a rows request gives a meaning of its own, whatever carries it (the query string of
 * HTTP, the open frame of the bridge), and the parsing of the values that needs no transport.
 * No dataset parameter may take one of these names ({@link #RESERVED}). Each parser refuses a
 * bad value with {@link InvalidRequestException#badParameter} naming the parameter; an absent
 * value (null, and for most an empty one) means the default.
 */
public final class RequestNames {

  /** The most rows to send: a whole number. */
  public static final String LIMIT = "limit";
  /** The output format by name, instead of {@code Accept}. */
  public static final String FORMAT = "format";
  /** CSV and TSV: whether the body starts with the header row. */
  public static final String HEADER = "header";
  /** CSV and TSV: whether text a spreadsheet would take for a formula is defused. */
  public static final String CSV_SAFE = "csv_safe";
  /** NDJSON and JSON: whether a complete body ends with the summary record. */
  public static final String META = "meta";
  /** The output columns to send, comma-separated. */
  public static final String COLUMNS = "columns";
  /** Resumes after a row's key, one comma-separated value per key column. */
  public static final String AFTER = "after";
  /** Resumes with the token of the last record a client has. */
  public static final String RESUME = "resume";
  /** {@code sample}: the stream may send a sample of its rows while its client keeps it blocked. */
  public static final String DEGRADE = "degrade";
  /** The most rows per second to send. */
  public static final String MAX_RATE = "max_rate";
  /** The bearer token, in the query string of a request for server-sent events only. */
  public static final String ACCESS_TOKEN = "access_token";
  /** {@code follow=true}: the dataset's snapshot, then its committed changes. */
  public static final String FOLLOW = "follow";

  /** Every name with a meaning of its own, which a dataset parameter may not take. */
  public static final Set<String> RESERVED = Set.of(LIMIT, FORMAT, HEADER, CSV_SAFE, META, COLUMNS, AFTER, RESUME, DEGRADE, MAX_RATE,
      ACCESS_TOKEN, FOLLOW);

  private RequestNames() {}

  /**
   * The dataset parameters of a request from every name it gives, in order, with the values
   * given for it: each name once (the first given twice is refused), reserved names left out.
   */
  public static Map<String, String> parameters(Map<String, List<String>> given) {
    Map<String, String> params = new TreeMap<>();
    given.forEach((name, values) -> {
      if (values.size() > 1) {
        throw InvalidRequestException.badParameter(name, "given more than once");
      }
      if (!RESERVED.contains(name)) {
        params.put(name, values.get(0));
      }
    });
    return params;
  }

  /** {@value #LIMIT}: a whole number, or null when absent. Its bounds are the dataset's to check. */
  public static Long limit(String value) {
    if (value == null) {
      return null;
    }
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw InvalidRequestException.badParameter(LIMIT, "expected a whole number");
    }
  }

  /** {@value #COLUMNS}: comma-separated names, stripped, none empty; empty for every column. */
  public static List<String> columns(String value) {
    if (value == null || value.isEmpty()) {
      return List.of();
    }
    List<String> names = Arrays.stream(value.split(",", -1)).map(String::strip).toList();
    if (names.stream().anyMatch(String::isEmpty)) {
      throw InvalidRequestException.badParameter(COLUMNS, "a comma-separated list of column names, none empty");
    }
    return names;
  }

  /**
   * {@value #AFTER}: the key's values, split on commas when the key has more than one column (a
   * key of one column takes the value whole, commas included). Their number and types are the
   * dataset's to check.
   */
  public static List<String> afterKey(String value, int keyColumns) {
    return keyColumns == 1 ? List.of(value) : Arrays.asList(value.split(",", -1));
  }

  /** A boolean option such as {@value #HEADER}: {@code true} or {@code false} in any case, {@code otherwise} when absent. */
  public static boolean flag(String name, String value, boolean otherwise) {
    if (value == null || value.isEmpty()) {
      return otherwise;
    }
    if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(value);
    }
    throw InvalidRequestException.badParameter(name, "must be true or false");
  }

  /** {@value #MAX_RATE}: a whole number of rows per second, at least 1, or null when absent. */
  public static Long maxRate(String value) {
    if (value == null || value.isEmpty()) {
      return null;
    }
    long rate;
    try {
      rate = Long.parseLong(value);
    } catch (NumberFormatException e) {
      rate = 0;
    }
    if (rate < 1) {
      throw InvalidRequestException.badParameter(MAX_RATE, "expected a whole number of rows per second, at least 1");
    }
    return rate;
  }
}
