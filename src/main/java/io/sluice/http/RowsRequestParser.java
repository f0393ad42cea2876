package io.sluice.http;

import io.sluice.auth.DatasetAccess;
import io.sluice.auth.Principal;
import io.sluice.dataset.Dataset;
import io.sluice.dataset.Position;
import io.sluice.dataset.RequestNames;
import io.sluice.dataset.StreamRequest;
import io.sluice.error.InvalidRequestException;
import io.sluice.error.Reason;
import io.sluice.format.ArrowMemory;
import io.sluice.format.EncodingOptions;
import io.sluice.format.OutputFormat;
import io.sluice.format.OutputFormats;
import io.sluice.format.SseFormat;
import io.sluice.resume.InvalidTokenException;
import io.sluice.resume.ResumeTokens;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * Reads a row request as HTTP sees it, checked for what only HTTP knows (the query string, the
 * format and its options, the syntax of {@code limit} and {@code columns}, the resume token);
 * the dataset's parameters are checked by the cursor stage, once, before any database work.
 * The request's own names and the parsing that needs no HTTP are {@link RequestNames}'.
 */
final class RowsRequestParser {

  /** The one {@code degrade=} value: sample the rows of a stream whose client keeps it blocked. */
  private static final String SAMPLE = "sample";

  private final ResumeTokens tokens;
  /** The process's budget for Arrow's vectors, which every Arrow response is encoded under. */
  private final ArrowMemory arrowMemory;

  RowsRequestParser(ResumeTokens tokens, ArrowMemory arrowMemory) {
    this.tokens = tokens;
    this.arrowMemory = arrowMemory;
  }

  /** The request {@code ctx} makes of {@code dataset}, which {@code principal} may read. */
  RowsRequest parse(RoutingContext ctx, Dataset dataset, Principal principal) {
    Map<String, String> params = DatasetAccess.bindClaims(dataset, RequestNames.parameters(valuesByName(ctx.queryParams())), principal);
    return parse(ctx, dataset, principal, params, params, position -> position);
  }

  /**
   * The request {@code ctx} makes of partition {@code partition} of an export of {@code dataset}
   * with {@code params}: the export's parameters, which the query may not repeat nor change. Its
   * resume tokens are bound to the export and the partition as well as to the parameters.
   */
  RowsRequest parsePartition(RoutingContext ctx, Dataset dataset, Principal principal, Map<String, String> params,
      Position.Partition partition) {
    Map<String, String> given = RequestNames.parameters(valuesByName(ctx.queryParams()));
    if (!given.isEmpty()) {
      String name = given.keySet().iterator().next();
      throw InvalidRequestException.badParameter(name, "a partition reads with its export's parameters: give them when creating the export");
    }
    Map<String, String> tokenScope = new TreeMap<>(params);
    tokenScope.put("@export", partition.exportId());
    tokenScope.put("@partition", Integer.toString(partition.index()));
    return parse(ctx, dataset, principal, params, tokenScope, position -> partition.after(
        position instanceof Position.AfterKey after ? after.key() : List.of()));
  }

  /**
   * The request with {@code params}, its resume tokens minted and checked for {@code tokenScope},
   * starting where {@code at} puts the position the query names (a key, a token, the start).
   */
  private RowsRequest parse(RoutingContext ctx, Dataset dataset, Principal principal, Map<String, String> params,
      Map<String, String> tokenScope, UnaryOperator<Position> at) {
    MultiMap query = ctx.queryParams();
    OutputFormat format = chooseFormat(ctx, query.get(RequestNames.FORMAT));
    boolean http10 = ctx.request().version() == HttpVersion.HTTP_1_0;
    ResumeTokens.Minter minter = tokens.minter(dataset.name(), tokenScope, principal.name());
    EncodingOptions options = new EncodingOptions(
        flag(query, RequestNames.HEADER, true), flag(query, RequestNames.CSV_SAFE, true), flag(query, RequestNames.META, http10))
        .withRowIds(minter::afterRow)
        .withArrowMemory(arrowMemory);
    boolean sample = sample(query.get(RequestNames.DEGRADE), format);
    Long maxRate = maxRate(query.get(RequestNames.MAX_RATE), dataset);
    StreamRequest request = new StreamRequest(dataset.name(), params, RequestNames.limit(query.get(RequestNames.LIMIT)),
        RequestNames.columns(query.get(RequestNames.COLUMNS)))
        .withCallerRoles(principal.roleNames());
    Position start = at.apply(following(query, format, resumeAt(ctx, dataset, tokenScope, format, principal)));
    if (start instanceof Position.Partition && flag(query, RequestNames.FOLLOW, false)) {
      throw InvalidRequestException.badParameter(RequestNames.FOLLOW, "an export's partition does not follow: follow the dataset itself");
    }
    if (sample && start.source().equals(Position.CHANGES)) {
      throw InvalidRequestException.badParameter(RequestNames.DEGRADE, "a followed stream is never sampled: a follower must see every change");
    }
    return new RowsRequest(request.at(start), format, options, ResponseHeaders.of(format, dataset.name()), minter,
        sample, maxRate);
  }

  /**
   * Where a request resumes: after the key of {@code after=} (comma-separated for a composite
   * key), or the one a {@code resume=} token holds (or, for SSE, the token a browser sends back
   * as {@code Last-Event-ID}); empty to start from the first row. The token is checked here,
   * where it enters; the key's values are checked with the other parameters, by the cursor.
   */
  private Position resumeAt(RoutingContext ctx, Dataset dataset, Map<String, String> params, OutputFormat format,
      Principal principal) {
    String after = ctx.queryParams().get(RequestNames.AFTER);
    String token = ctx.queryParams().get(RequestNames.RESUME);
    if ((token == null || token.isEmpty()) && format instanceof SseFormat) {
      token = ctx.request().getHeader(HeaderNames.LAST_EVENT_ID);
    }
    boolean hasAfter = after != null && !after.isEmpty();
    boolean hasToken = token != null && !token.isEmpty();
    if (hasAfter && hasToken) {
      throw InvalidRequestException.badParameter(RequestNames.AFTER, "give after= or resume=, not both");
    }
    if (hasAfter) {
      if (!dataset.offersAfter()) {
        throw InvalidRequestException.badParameter(RequestNames.AFTER, "dataset '" + dataset.name() + "' does not offer after= (its key "
            + dataset.definition().orderBy() + " is not in its output, or not of a type a query string carries): resume with the token"
            + " of the stream's last record instead");
      }
      return Position.afterKey(RequestNames.afterKey(after, dataset.definition().orderBy().size()));
    }
    if (hasToken) {
      try {
        return tokens.verify(token, dataset.name(), params, principal.name());
      } catch (InvalidTokenException e) {
        if (e.otherPrincipal()) {
          throw DatasetAccess.forbidden("the resume token " + e.getMessage());
        }
        throw InvalidRequestException.badParameter(RequestNames.RESUME, "the resume token " + e.getMessage());
      }
    }
    return Position.START;
  }

  /**
   * Where a request starts given {@code follow=}: a followed stream from its snapshot, after the
   * change a token names, or inside its snapshot where a snapshot row's token says; a plain key
   * ({@code after=}, or the token of a stream that did not follow) cannot continue it exactly, so
   * it starts at a position no log holds, which ends in {@code must-refetch}. Only formats that
   * can write changes may follow; a followed stream's token needs {@code follow=true}.
   */
  private static Position following(MultiMap query, OutputFormat format, Position resumed) {
    boolean follow = flag(query, RequestNames.FOLLOW, false);
    if (!follow) {
      if (resumed instanceof Position.Changes) {
        throw InvalidRequestException.badParameter(RequestNames.RESUME, "the resume token is from a followed stream: add follow=true");
      }
      return resumed;
    }
    if (!format.follows()) {
      throw InvalidRequestException.badParameter(RequestNames.FOLLOW, "format " + format.name() + " cannot follow; ask for one of "
          + OutputFormats.ALL.stream().filter(OutputFormat::follows).map(OutputFormat::name).toList());
    }
    if (resumed instanceof Position.Changes) {
      return resumed;
    }
    return resumed instanceof Position.AfterKey ? Position.afterChange("0/0", 0) : Position.follow();
  }

  private static OutputFormat chooseFormat(RoutingContext ctx, String format) {
    if (format != null) {
      return OutputFormats.named(format).orElseThrow(() ->
          InvalidRequestException.badParameter(RequestNames.FORMAT, "must be one of " + OutputFormats.names()));
    }
    return FormatNegotiation.negotiate(ctx.parsedHeaders().accept()).orElseThrow(() ->
        new InvalidRequestException(Reason.NOT_ACCEPTABLE, null, "Accept allows none of the offered formats: "
            + OutputFormats.ALL.stream().map(OutputFormat::contentType).toList()));
  }

  /** The query's values by name, in the query's order. */
  private static Map<String, List<String>> valuesByName(MultiMap query) {
    Map<String, List<String>> values = new LinkedHashMap<>();
    for (String name : query.names()) {
      values.put(name, query.getAll(name));
    }
    return values;
  }

  /**
   * Whether {@code degrade=} asks for sampling, which only a format that announces each rate
   * in-band may do: a client must never take a sample for every row.
   */
  private static boolean sample(String degrade, OutputFormat format) {
    if (degrade == null || degrade.isEmpty()) {
      return false;
    }
    if (!degrade.equalsIgnoreCase(SAMPLE)) {
      throw InvalidRequestException.badParameter(RequestNames.DEGRADE, "must be " + SAMPLE);
    }
    if (!format.marksSampling()) {
      throw InvalidRequestException.badParameter(RequestNames.DEGRADE, "format " + format.name()
          + " cannot mark sampled rows in-band, so it is never sampled; ask for one of "
          + OutputFormats.ALL.stream().filter(OutputFormat::marksSampling).map(OutputFormat::name).toList());
    }
    return true;
  }

  /**
   * The most rows per second a stream may send: the client's {@code max_rate}, which may not
   * exceed the dataset's {@code maxRowsPerSecond}, else that maximum; null for no cap.
   */
  private static Long maxRate(String maxRate, Dataset dataset) {
    Long datasetMax = dataset.definition().maxRowsPerSecond();
    Long rate = RequestNames.maxRate(maxRate);
    if (rate == null) {
      return datasetMax;
    }
    if (datasetMax != null && rate > datasetMax) {
      throw InvalidRequestException.badParameter(RequestNames.MAX_RATE, "must be at most " + datasetMax
          + " rows per second, the maxRowsPerSecond of dataset '" + dataset.name() + "'");
    }
    return rate;
  }

  private static boolean flag(MultiMap query, String name, boolean otherwise) {
    return RequestNames.flag(name, query.get(name), otherwise);
  }
}
