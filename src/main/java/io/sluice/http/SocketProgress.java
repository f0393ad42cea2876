package io.sluice.http;

import io.netty.channel.ChannelOutboundBuffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Whether the kernel took any byte of a connection's queued writes since a moment the caller
 * marked (the last write that completed). A write's future completes only once all of it
 * reached the kernel, so a client reading a few hundred bytes a second completes a chunk only
 * every few minutes and would look stalled; Netty's outbound buffer counts each byte flushed,
 * including those of a chunk partly written. Bytes queued since the mark are told to it, so
 * that a write added meanwhile cannot hide what the kernel took. Call it on the connection's
 * event loop (a response's own timers and write callbacks run there).
 */
final class SocketProgress {

  private final ConnectionBase connection;
  /** Bytes waiting for the kernel at the last mark or look. */
  private long lastPending;
  /** Bytes queued since then. */
  private long queuedSince;

  SocketProgress(HttpConnection connection) {
    this.connection = connection instanceof ConnectionBase base ? base : null;
    this.lastPending = pending();
  }

  /** {@code bytes} more are queued on the connection. */
  void queued(int bytes) {
    queuedSince += bytes;
  }

  /** From now on, only bytes taken after this moment count (a write just completed: the client took bytes now). */
  void mark() {
    lastPending = pending();
    queuedSince = 0;
  }

  /** True when the kernel took bytes since the last mark or look: fewer wait than did, plus those queued since. */
  boolean advanced() {
    if (connection == null) {
      return false;
    }
    long pending = pending();
    boolean advanced = pending < lastPending + queuedSince;
    lastPending = pending;
    queuedSince = 0;
    return advanced;
  }

  private long pending() {
    ChannelOutboundBuffer out = connection == null ? null : connection.channel().unsafe().outboundBuffer();
    return out == null ? 0 : out.totalPendingWriteBytes() - out.currentProgress();
  }
}
