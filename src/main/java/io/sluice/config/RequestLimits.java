package io.sluice.config;

import io.sluice.error.ConfigException;
import io.vertx.core.json.JsonObject;

/**
 * How large a request may be, checked before any other work (OWASP API4): the request line
 * ({@code maxRequestLineBytes}, 414 past it), the header block ({@code maxHeaderBytes}, 431),
 * the raw query string ({@code maxQueryBytes}, 414) and the number of its parameters
 * ({@code maxQueryParameters}, 400). Read from the {@code http} section.
 */
public record RequestLimits(int maxRequestLineBytes, int maxHeaderBytes, int maxQueryBytes, int maxQueryParameters) {

  public static final RequestLimits DEFAULTS = new RequestLimits(8 * 1024, 16 * 1024, 4 * 1024, 64);

  static RequestLimits from(JsonObject http) {
    RequestLimits limits = new RequestLimits(
        http.getInteger("maxRequestLineBytes", DEFAULTS.maxRequestLineBytes),
        http.getInteger("maxHeaderBytes", DEFAULTS.maxHeaderBytes),
        http.getInteger("maxQueryBytes", DEFAULTS.maxQueryBytes),
        http.getInteger("maxQueryParameters", DEFAULTS.maxQueryParameters));
    if (limits.maxRequestLineBytes < 256 || limits.maxHeaderBytes < 1024 || limits.maxQueryBytes < 1 || limits.maxQueryParameters < 1) {
      throw new ConfigException("http: maxRequestLineBytes must be >= 256, maxHeaderBytes >= 1024, maxQueryBytes >= 1,"
          + " maxQueryParameters >= 1");
    }
    return limits;
  }
}
