package io.sluice.value;

/** A JSON value kept as the text PostgreSQL produced, embedded verbatim by the encoders. */
public record RawJson(String text) {

  @Override
  public String toString() {
    return text;
  }
}
