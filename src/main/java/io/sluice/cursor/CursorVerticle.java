package io.sluice.cursor;

import io.sluice.config.StreamConfig;
import io.sluice.dataset.Catalogue;
import io.sluice.dataset.Dataset;
import io.sluice.dataset.InvalidRequestException;
import io.sluice.dataset.StreamRequest;
import io.sluice.metrics.SluiceMetrics;
import io.sluice.protocol.Frames;
import io.sluice.protocol.StreamError;
import io.sluice.protocol.StreamProducer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

/**
 * Serves {@code open} frames at {@link Frames#CURSOR_OPEN}: validates the request, then reads
 * the dataset from PostgreSQL as a {@link CursorStream} that follows the consumer's credits.
 */
public final class CursorVerticle extends VerticleBase {

  private final Catalogue catalogue;
  private final Pool pool;
  private final StreamConfig config;
  private final SluiceMetrics metrics;

  public CursorVerticle(Catalogue catalogue, Pool pool, StreamConfig config, SluiceMetrics metrics) {
    this.catalogue = catalogue;
    this.pool = pool;
    this.config = config;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    return vertx.eventBus().<JsonObject>consumer(Frames.CURSOR_OPEN, this::openStream).completion();
  }

  private void openStream(Message<JsonObject> open) {
    StreamRequest request = StreamProducer.requestOf(open);
    Dataset dataset;
    Tuple arguments;
    try {
      dataset = catalogue.require(request.dataset());
      arguments = dataset.definition().bind(request, config.maxLimit());
    } catch (InvalidRequestException e) {
      StreamProducer.refuse(open, StreamError.invalid(e));
      return;
    }
    StreamProducer.accept(vertx, open, dataset.sourceColumnNames())
        .onSuccess(producer -> new CursorStream(producer, dataset, arguments, config.fetchSize(), metrics).run(pool));
  }
}
