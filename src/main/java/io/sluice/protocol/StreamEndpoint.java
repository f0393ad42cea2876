package io.sluice.protocol;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.shareddata.LocalMap;
import java.util.concurrent.TimeUnit;

/**
 * What both ends of a stream share: the address this end listens on, the peer's address,
 * and the lease. Each end pings its peer when it has sent nothing for a third of the lease
 * and gives up when it has heard nothing for a whole lease. The lease runs on the monotonic
 * clock: a step of the wall clock (NTP, a resumed VM) must not expire every stream at once.
 * One timer per end, always set for the exact moment the next ping or the expiry is due, so
 * a silent peer is given up a lease after it was last heard, not up to a third later. In a
 * cluster, an end that knows its peer's node gives the stream up as soon as that node leaves
 * the cluster ({@link PeerNodes}), as its lease would have, only sooner.
 *
 * <p>A frame this end cannot handle (a wrong body type, an unknown kind, a handler that
 * throws, even an {@link Error}) ends the stream with a protocol error instead of stalling it.
 */
abstract class StreamEndpoint implements OpenStreams.Member {

  protected final Vertx vertx;
  protected final EventBus bus;
  protected final String streamId;
  /** The most often an end pings, however short its lease. */
  private static final long MIN_PING_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final long leaseMs;
  private MessageConsumer<Object> inbox;
  private String listeningAddress;
  private long timerId = -1;
  private final long leaseNanos;
  private final long pingNanos;
  private long lastReceived;
  private long lastSent;
  private boolean closed;
  /** Where this end's handlers and timers run: a node that leaves is heard on another thread. */
  private Context context;
  /** The cluster node the peer runs on, when known and not this one: its leaving ends the stream. */
  private volatile String peerNode;

  StreamEndpoint(Vertx vertx, String streamId, long leaseMs) {
    this.vertx = vertx;
    this.bus = vertx.eventBus();
    this.streamId = streamId;
    this.leaseMs = leaseMs;
    this.leaseNanos = TimeUnit.MILLISECONDS.toNanos(leaseMs);
    this.pingNanos = Math.max(leaseNanos / 3, MIN_PING_NANOS);
  }

  /**
   * Starts listening on {@code address}; completes once the address is routable, or fails if
   * another stream of this node already listens there (a duplicate stream id).
   */
  protected Future<Void> listen(String address) {
    if (listening().putIfAbsent(address, Boolean.TRUE) != null) {
      closed = true;
      return Future.failedFuture(new IllegalArgumentException("stream id '" + streamId + "' is already in use"));
    }
    listeningAddress = address;
    context = vertx.getOrCreateContext();
    OpenStreams.of(vertx).add(this);
    lastReceived = lastSent = System.nanoTime();
    inbox = bus.consumer(address, this::receive);
    watchLease();
    return inbox.completion().onFailure(err -> close());
  }

  private void receive(Message<Object> frame) {
    if (closed) {
      return;
    }
    lastReceived = System.nanoTime();
    String kind = frame.headers().get(Frames.KIND);
    if (Frames.PING.equals(kind)) {
      return;
    }
    try {
      onFrame(kind, frame.body(), frame.headers().get(Frames.RESUME));
    } catch (Throwable failure) {
      onBrokenFrame(kind, failure);
    }
  }

  /**
   * Called when handling a frame threw: the end reports the failure to its owner and its
   * peer as it would any protocol error, and is closed.
   */
  protected abstract void onBrokenFrame(String kind, Throwable failure);

  /** Handles one frame other than a ping; {@code resumeToken} is its {@link Frames#RESUME} header, or null. */
  protected abstract void onFrame(String kind, Object body, String resumeToken);

  /** Called once when the peer has been silent for a whole lease; the endpoint is closed after. */
  protected abstract void onLeaseExpired();

  /** Called once when the peer's node left the cluster; the endpoint is closed after. */
  protected abstract void onPeerNodeLeft(String nodeId);

  /** This end's cluster node, or null when not clustered: what it names to its peer. */
  protected String localNode() {
    return PeerNodes.localNode(vertx);
  }

  /** The peer runs on cluster node {@code nodeId} (null or this node: nothing to watch). */
  protected void peerNode(String nodeId) {
    peerNode = nodeId == null || nodeId.equals(localNode()) ? null : nodeId;
  }

  @Override
  public void nodeLeft(String nodeId) {
    if (nodeId.equals(peerNode)) {
      context.runOnContext(v -> {
        if (!closed) {
          onPeerNodeLeft(nodeId);
          close();
        }
      });
    }
  }

  protected void sendToPeer(String kind, Object body) {
    sendToPeer(kind, body, null);
  }

  /** Sends a frame carrying {@code resumeToken} in its {@link Frames#RESUME} header (none when null). */
  protected void sendToPeer(String kind, Object body, String resumeToken) {
    if (!closed) {
      lastSent = System.nanoTime();
      bus.send(peerAddress(), body, Frames.kind(kind, resumeToken));
    }
  }

  /** Where frames of this end go; may be unknown (null) until the stream is open. */
  protected abstract String peerAddress();

  /**
   * Gives up a peer silent for a whole lease, pings one this end has said nothing to for a third
   * of it, and sets the timer for whichever of the two is due next: frames that come and go in
   * between only move those moments, so the timer runs about three times per lease, not per frame.
   */
  private void watchLease() {
    if (closed) {
      return;
    }
    long now = System.nanoTime();
    long untilExpiry = lastReceived + leaseNanos - now;
    if (untilExpiry <= 0) {
      onLeaseExpired();
      close();
      return;
    }
    if (now - lastSent >= pingNanos && peerAddress() != null) {
      sendToPeer(Frames.PING, null);
    }
    // with no peer address yet, the next look at pinging is a third of a lease away
    long untilPing = peerAddress() == null ? pingNanos : Math.max(lastSent + pingNanos - now, MIN_PING_NANOS);
    timerId = vertx.setTimer(ceilMillis(Math.min(untilExpiry, untilPing)), id -> watchLease());
  }

  /** At least {@code nanos}, in the whole milliseconds a timer takes (never 0): a timer due early would only look again. */
  private static long ceilMillis(long nanos) {
    return Math.max(1, (nanos + 999_999) / 1_000_000);
  }

  protected boolean isClosed() {
    return closed;
  }

  /** Releases the address and the timer; idempotent. */
  protected void close() {
    closeAfter(0);
  }

  /**
   * Stops at once, but keeps listening (and ignoring) for {@code lingerMs}, so that frames
   * the peer sent before it heard the end (a last credit, say) are not reported as lost.
   */
  protected void closeAfter(long lingerMs) {
    if (closed) {
      return;
    }
    closed = true;
    vertx.cancelTimer(timerId);
    OpenStreams.of(vertx).remove(this);
    if (inbox == null) {
      return;
    }
    if (lingerMs > 0) {
      vertx.setTimer(lingerMs, id -> stopListening());
    } else {
      stopListening();
    }
  }

  private void stopListening() {
    inbox.unregister();
    listening().remove(listeningAddress);
  }

  /** The addresses streams of this node listen on: one stream per address. */
  private LocalMap<String, Boolean> listening() {
    return vertx.sharedData().getLocalMap("sluice.stream-addresses");
  }

  /** Credits this end granted its peer that the peer has not used yet; only consumers grant. */
  @Override
  public long creditsOutstanding() {
    return 0;
  }

  /** Rows this end holds in memory: received and not yet handed on, or written and waiting for credit. */
  @Override
  public abstract long rowsHeld();

  protected long leaseMs() {
    return leaseMs;
  }
}
