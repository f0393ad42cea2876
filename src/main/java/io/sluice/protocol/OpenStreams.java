package io.sluice.protocol;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The stream ends open on one Vert.x instance, from the moment they listen until they close,
 * summed for the pipeline gauges: credits granted and not yet used, and rows held in memory.
 * Read from any thread; the sums are a moment's view, not a snapshot. In a cluster it also
 * hears, once per Vert.x, every node that leaves ({@link PeerNodes}) and tells each open end.
 */
public final class OpenStreams implements Shareable {

  /** A stream end as the gauges see it. */
  interface Member {
    /** Batches its producer may still send without asking. */
    long creditsOutstanding();

    /** Rows it holds in memory. */
    long rowsHeld();

    /** The cluster node {@code nodeId} left: an end whose peer ran there gives its stream up. Called on any thread. */
    void nodeLeft(String nodeId);
  }

  private final Set<Member> open = ConcurrentHashMap.newKeySet();

  private OpenStreams() {}

  /** The open stream ends of {@code vertx}. */
  public static OpenStreams of(Vertx vertx) {
    return vertx.sharedData().<String, OpenStreams>getLocalMap("sluice.open-streams").computeIfAbsent("all", key -> {
      OpenStreams streams = new OpenStreams();
      PeerNodes.onNodeLeft(vertx, streams::nodeLeft);
      return streams;
    });
  }

  private void nodeLeft(String nodeId) {
    open.forEach(end -> end.nodeLeft(nodeId));
  }

  void add(Member end) {
    open.add(end);
  }

  void remove(Member end) {
    open.remove(end);
  }

  /** Batches producers may still send to this instance's consumers without asking. */
  public long creditsOutstanding() {
    return open.stream().mapToLong(Member::creditsOutstanding).sum();
  }

  /** Rows this instance's stream ends hold: queued by consumers or waiting for credit at producers. */
  public long rowsInFlight() {
    return open.stream().mapToLong(Member::rowsHeld).sum();
  }
}
