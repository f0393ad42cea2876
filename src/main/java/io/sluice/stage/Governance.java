package io.sluice.stage;

import io.sluice.dataset.Dataset;
import io.sluice.dataset.Position;
import io.sluice.dataset.StreamRequest;
import io.sluice.error.Failure;
import io.sluice.error.FailureException;
import io.sluice.error.InvalidRequestException;
import io.sluice.limits.ClientLimiter;
import io.sluice.limits.Throttle;
import io.sluice.metrics.SluiceMetrics;
import io.sluice.metrics.StreamMeters;
import io.sluice.protocol.OpenFrame;
import io.sluice.resume.InvalidTokenException;
import io.sluice.resume.ResumeTokens;
import io.vertx.core.Vertx;

/**
 * What the transform stage does for a stream that has no front end of its own to do it, an
 * event-bus ({@code bus}: the Java client, any consumer in the cluster) or TCP-bridge stream
 * ({@link OpenFrame#governedByStage}), so that every transport gets what HTTP gives its own:
 * the per-dataset meters (their {@code format} tag is the transport), the node's per-client
 * stream slots and export quota, the rate cap, and signed resume tokens, verified when an open
 * goes on with one. Shared by the node's transform verticles.
 *
 * <p>Who asks is the open's {@code principal} (the bridge sets the one its JWT names; a consumer
 * in the cluster is trusted to say, like the caller's roles); without one, {@value #ANONYMOUS}, the
 * name an unauthenticated HTTP caller has too. Whose limits it counts against is the open's
 * {@code client} (the bridge sets it), else the principal's ({@link ClientLimiter#principalKey},
 * the same key as over HTTP), else, for an anonymous open, its cluster node's ({@code node:<id>},
 * {@code node:local} standalone).
 */
public final class Governance {

  /** The principal of an open that names none: auth's name for an unauthenticated caller, so tokens move between transports. */
  static final String ANONYMOUS = "anonymous";
  /** The open frame's fields a refusal names. */
  static final String RESUME_TOKEN = "resumeToken";
  static final String MAX_RATE = "maxRate";

  private final SluiceMetrics metrics;
  private final ClientLimiter limiter;
  private final ResumeTokens tokens;
  private final int batchRows;

  /** Meters on {@code metrics}, limits of {@code limiter}, tokens of {@code tokens}; rate caps burst about {@code batchRows} rows. */
  public Governance(SluiceMetrics metrics, ClientLimiter limiter, ResumeTokens tokens, int batchRows) {
    this.metrics = metrics;
    this.limiter = limiter;
    this.tokens = tokens;
    this.batchRows = batchRows;
  }

  /** The meters of a governed stream of {@code dataset} (null: unknown), from its open. */
  StreamMeters meters(OpenFrame frame, String dataset) {
    return StreamMeters.open(metrics, dataset, frame.transport());
  }

  /** A governed open of {@code dataset} (null: unknown) was refused before its meters opened. */
  void refused(String dataset, String reason) {
    metrics.refused(dataset, reason);
  }

  /** The principal a governed open is for. */
  static String principal(OpenFrame frame) {
    return frame.principal() == null ? ANONYMOUS : frame.principal();
  }

  /** Whose slots and quota a governed open counts against. */
  static String client(OpenFrame frame) {
    if (frame.client() != null) {
      return frame.client();
    }
    if (frame.principal() != null) {
      return ClientLimiter.principalKey(frame.principal());
    }
    return "node:" + (frame.node() == null ? "local" : frame.node());
  }

  /**
   * Admits a governed open of {@code dataset}: where it starts ({@code request}'s position, or
   * the one its resume token holds, verified as HTTP verifies {@code resume=}), its rate cap, then
   * its client's quota and a stream slot, in that order, so that a refused open takes nothing.
   * Throws {@link FailureException} with the refusal.
   */
  GovernedStream admit(Vertx vertx, OpenFrame frame, Dataset dataset, StreamRequest request, StreamMeters meters) {
    String principal = principal(frame);
    StreamRequest start = request.at(startOf(frame, dataset, request, principal));
    Long rate = rate(frame, dataset);
    String client = client(frame);
    Failure exhausted = limiter.quotaRefusal(client);
    if (exhausted != null) {
      throw new FailureException(exhausted);
    }
    ClientLimiter.Lease lease = limiter.acquire(client);
    if (lease == null) {
      throw new FailureException(limiter.tooManyStreams(client));
    }
    ResumeTokens.Minter minter = tokens.minter(dataset.name(), tokenScope(request), principal);
    String startToken = frame.resumeToken() != null ? frame.resumeToken()
        : start.position() instanceof Position.AfterKey after ? minter.after(after.key())
        : start.position() instanceof Position.Partition partition && partition.resumed() ? minter.after(partition.after())
        : start.position() instanceof Position.Changes changes && changes.lsn() != null ? minter.afterChange(changes.lsn(), changes.delivered())
        : start.position() instanceof Position.Changes changes && changes.cut() != null ? minter.inSnapshot(changes.cut())
        : minter.after(null);
    return new GovernedStream(start, meters, lease, Throttle.of(vertx, rate, batchRows), minter, startToken);
  }

  private Position startOf(OpenFrame frame, Dataset dataset, StreamRequest request, String principal) {
    String token = frame.resumeToken();
    if (token == null || token.isEmpty()) {
      return request.position();
    }
    if (request.position() instanceof Position.Partition partition ? partition.resumed() : request.resumed()) {
      throw InvalidRequestException.badParameter(RESUME_TOKEN, "give the request's 'after' or the open's 'resumeToken', not both");
    }
    try {
      Position verified = tokens.verify(token, dataset.name(), tokenScope(request), principal);
      if (request.position() instanceof Position.Partition partition) {
        // a partition's token goes on inside its partition (and its export's snapshot), never in the live dataset
        return partition.after(verified instanceof Position.AfterKey after ? after.key() : java.util.List.of());
      }
      return following(request, verified);
    } catch (InvalidTokenException e) {
      if (e.otherPrincipal()) {
        throw InvalidRequestException.forbidden("the resume token " + e.getMessage());
      }
      throw InvalidRequestException.badParameter(RESUME_TOKEN, "the resume token " + e.getMessage());
    }
  }

  /**
   * Where a token goes on given whether the open follows, as HTTP's {@code follow=} decides: a
   * change token (or one from inside a followed stream's snapshot) only with {@code follow}; a
   * followed stream's start token from its snapshot again; a plain key (a token of a stream that
   * did not follow) cannot continue a followed stream exactly, so it starts at a position no log
   * holds, which ends in {@code must-refetch}.
   */
  private static Position following(StreamRequest request, Position verified) {
    boolean follow = request.position() instanceof Position.Changes;
    if (!follow) {
      if (verified instanceof Position.Changes) {
        throw InvalidRequestException.badParameter(RESUME_TOKEN, "the resume token is from a followed stream: open with \"follow\": true");
      }
      return verified;
    }
    if (verified instanceof Position.Changes) {
      return verified;
    }
    return verified instanceof Position.AfterKey ? Position.afterChange("0/0", 0) : Position.follow();
  }

  /**
   * What a stream's resume tokens are bound to: its parameters, and for an export's partition
   * that export and partition too (the keys HTTP binds a partition's tokens to), so a partition's
   * token resumes only that partition.
   */
  private static java.util.Map<String, String> tokenScope(StreamRequest request) {
    if (!(request.position() instanceof Position.Partition partition)) {
      return request.params();
    }
    java.util.Map<String, String> scope = new java.util.TreeMap<>(request.params());
    scope.put("@export", partition.exportId());
    scope.put("@partition", Integer.toString(partition.index()));
    return scope;
  }

  /** The open's {@code maxRate}, at most its dataset's {@code maxRowsPerSecond}, else that maximum; null for no cap. */
  private static Long rate(OpenFrame frame, Dataset dataset) {
    Long datasetMax = dataset.definition().maxRowsPerSecond();
    if (frame.maxRate() == null) {
      return datasetMax;
    }
    if (datasetMax != null && frame.maxRate() > datasetMax) {
      throw InvalidRequestException.badParameter(MAX_RATE, "must be at most " + datasetMax
          + " rows per second, the maxRowsPerSecond of dataset '" + dataset.name() + "'");
    }
    return frame.maxRate();
  }
}
