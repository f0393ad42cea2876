package io.sluice.protocol;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;

/**
 * What both ends of a stream share: the address this end listens on, the peer's address,
 * and the lease. Each end pings its peer when it has sent nothing for a third of the lease
 * and gives up when it has heard nothing for a whole lease.
 */
abstract class StreamEndpoint {

  protected final Vertx vertx;
  protected final EventBus bus;
  protected final String streamId;
  private final long leaseMs;
  private MessageConsumer<Object> inbox;
  private long timerId = -1;
  private long lastReceived;
  private long lastSent;
  private boolean closed;

  StreamEndpoint(Vertx vertx, String streamId, long leaseMs) {
    this.vertx = vertx;
    this.bus = vertx.eventBus();
    this.streamId = streamId;
    this.leaseMs = leaseMs;
  }

  /** Starts listening on {@code address}; completes once the address is routable. */
  protected Future<Void> listen(String address) {
    lastReceived = lastSent = System.currentTimeMillis();
    inbox = bus.consumer(address, this::receive);
    timerId = vertx.setPeriodic(Math.max(leaseMs / 3, 10), id -> checkLease());
    return inbox.completion().onFailure(err -> close());
  }

  private void receive(Message<Object> frame) {
    if (closed) {
      return;
    }
    lastReceived = System.currentTimeMillis();
    String kind = frame.headers().get(Frames.KIND);
    if (!Frames.PING.equals(kind)) {
      onFrame(kind, frame.body());
    }
  }

  /** Handles one frame other than a ping. */
  protected abstract void onFrame(String kind, Object body);

  /** Called once when the peer has been silent for a whole lease; the endpoint is closed after. */
  protected abstract void onLeaseExpired();

  protected void sendToPeer(String kind, Object body) {
    if (!closed) {
      lastSent = System.currentTimeMillis();
      bus.send(peerAddress(), body, Frames.kind(kind));
    }
  }

  /** Where frames of this end go; may be unknown (null) until the stream is open. */
  protected abstract String peerAddress();

  private void checkLease() {
    long now = System.currentTimeMillis();
    if (now - lastReceived > leaseMs) {
      onLeaseExpired();
      close();
    } else if (now - lastSent >= leaseMs / 3 && peerAddress() != null) {
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
    if (inbox == null) {
      return;
    }
    if (lingerMs > 0) {
      vertx.setTimer(lingerMs, id -> inbox.unregister());
    } else {
      inbox.unregister();
    }
  }

  protected long leaseMs() {
    return leaseMs;
  }
}
