package io.sluice.dataset;

import io.sluice.protocol.StreamError;

/**
 * A stream request that cannot be served as asked: unknown dataset (404) or a bad parameter
 * (400). Thrown before any database work; {@link #parameter()} names the culprit, if any.
 */
public class InvalidRequestException extends RuntimeException {

  private final int status;
  private final String parameter;

  public InvalidRequestException(int status, String parameter, String message) {
    super(message, null, false, false);
    this.status = status;
    this.parameter = parameter;
  }

  public static InvalidRequestException unknownDataset(String name) {
    return new InvalidRequestException(404, null, "unknown dataset '" + name + "'");
  }

  public static InvalidRequestException badParameter(String parameter, String problem) {
    return new InvalidRequestException(400, parameter, "parameter '" + parameter + "': " + problem);
  }

  /** The refusal that tells the client about it. */
  public StreamError toStreamError() {
    return StreamError.invalid(status, parameter, getMessage());
  }

  public int status() {
    return status;
  }

  public String parameter() {
    return parameter;
  }
}
