package io.sluice.error;

/**
 * A stream request that cannot be served as asked: unknown dataset, a bad parameter, a caller
 * without the role, a format nobody accepts. Thrown before any database work; {@link
 * #parameter()} names the culprit, if any.
 */
public class InvalidRequestException extends FailureException {

  public InvalidRequestException(Reason reason, String parameter, String message) {
    super(new Failure(reason, message, parameter, null, null, null));
  }

  public static InvalidRequestException unknownDataset(String name) {
    return new InvalidRequestException(Reason.NOT_FOUND, null, "unknown dataset '" + name + "'");
  }

  public static InvalidRequestException badParameter(String parameter, String problem) {
    return new InvalidRequestException(Reason.BAD_REQUEST, parameter, "parameter '" + parameter + "': " + problem);
  }

  public static InvalidRequestException forbidden(String message) {
    return new InvalidRequestException(Reason.FORBIDDEN, null, message);
  }

  public Reason reason() {
    return failure().reason();
  }

  public String parameter() {
    return failure().parameter();
  }
}
