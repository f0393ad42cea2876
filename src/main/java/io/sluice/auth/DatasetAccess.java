package io.sluice.auth;

import io.sluice.dataset.Dataset;
import io.sluice.error.InvalidRequestException;
import io.sluice.dataset.ParameterDefinition;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a {@link Principal} may ask of a dataset, the same for HTTP and bridge clients: it
 * must hold one of the dataset's roles (403), and the parameters the dataset binds to token
 * claims come from its token, never from the request (400 if given, 403 if the token lacks the claim).
 */
public final class DatasetAccess {

  private DatasetAccess() {}

  /** Refuses with 403 a caller that holds none of the roles that may read {@code dataset}. */
  public static void requireReadable(Dataset dataset, Principal principal) {
    if (!principal.holdsAny(dataset.definition().roles())) {
      throw forbidden("the caller holds none of the roles that may read dataset '" + dataset.name() + "'");
    }
  }

  /** The request's parameters with those bound to claims set from the caller's token. */
  public static Map<String, String> bindClaims(Dataset dataset, Map<String, String> given, Principal principal) {
    Map<String, String> params = new TreeMap<>(given);
    for (ParameterDefinition parameter : dataset.definition().parameters()) {
      if (parameter.claim() == null) {
        continue;
      }
      if (params.containsKey(parameter.name())) {
        throw InvalidRequestException.badParameter(parameter.name(), "comes from the caller's token (claim '" + parameter.claim()
            + "') and cannot be given in the request");
      }
      String value = principal.claimText(parameter.claim());
      if (value == null) {
        throw forbidden("dataset '" + dataset.name() + "' is scoped by the token claim '" + parameter.claim() + "', which the caller's token lacks");
      }
      params.put(parameter.name(), value);
    }
    return params;
  }

  public static InvalidRequestException forbidden(String message) {
    return InvalidRequestException.forbidden(message);
  }
}
