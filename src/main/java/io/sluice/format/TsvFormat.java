package io.sluice.format;

/**
 * Tab-separated values ({@code text/tab-separated-values}): CSV's rules with a tab between
 * fields, so a field holding a tab, a quote or a line break is quoted as in CSV.
 */
public final class TsvFormat extends CsvFormat {

  public TsvFormat() {
    super("tsv", "text/tab-separated-values", "text/tab-separated-values; charset=utf-8", '\t');
  }
}
