package io.sluice.source;

import io.sluice.dataset.Dataset;
import io.sluice.dataset.StreamRequest;

/**
 * A request a {@link SourceFactory} has checked in full, before any database work: the dataset
 * and the client's request, and whatever else the factory derived from them to open its source
 * (the statement's arguments, say).
 */
public interface SourceRequest {

  Dataset dataset();

  StreamRequest request();
}
