package io.sluice.protocol;

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
 *
 * <p>A frame this end cannot handle (a wrong body type, an unknown kind, a handler that
 * throws, even an {@link Error}) ends the stream with a protocol error instead of stalling it.
 */
abstract class StreamEndpoint implements OpenStreams.Member {

  protected final Vertx vertx;
  protected final EventBus bus;
  protected final String streamId;
  private final long leaseMs;
  private MessageConsumer<Object> inbox;
  private String listeningAddress;
  private long timerId = -1;
  private final long leaseNanos;
  private long lastReceived;
  private long lastSent;
  private boolean closed;

  StreamEndpoint(Vertx vertx, String streamId, long leaseMs) {
    this.vertx = vertx;
    this.bus = vertx.eventBus();
    this.streamId = streamId;
    this.leaseMs = leaseMs;
    this.leaseNanos = TimeUnit.MILLISECONDS.toNanos(leaseMs);
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
    OpenStreams.of(vertx).add(this);
    lastReceived = lastSent = System.nanoTime();
    inbox = bus.consumer(address, this::receive);
    timerId = vertx.setPeriodic(Math.max(leaseMs / 3, 10), id -> checkLease());
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
      onFrame(kind, frame.body());
    } catch (Throwable failure) {
      onBrokenFrame(kind, failure);
    }
  }

  /**
   * Called when handling a frame threw: the end reports the failure to its owner and its
   * peer as it would any protocol error, and is closed.
   */
  protected abstract void onBrokenFrame(String kind, Throwable failure);

  /** Handles one frame other than a ping. */
  protected abstract void onFrame(String kind, Object body);

  /** Called once when the peer has been silent for a whole lease; the endpoint is closed after. */
  protected abstract void onLeaseExpired();

  protected void sendToPeer(String kind, Object body) {
    if (!closed) {
      lastSent = System.nanoTime();
      bus.send(peerAddress(), body, Frames.kind(kind));
    }
  }

  /** Where frames of this end go; may be unknown (null) until the stream is open. */
  protected abstract String peerAddress();

  private void checkLease() {
    long now = System.nanoTime();
    if (now - lastReceived > leaseNanos) {
      onLeaseExpired();
      close();
    } else if (now - lastSent >= leaseNanos / 3 && peerAddress() != null) {
      sendToPeer(Frames.PING, null);
    }
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
