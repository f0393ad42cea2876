package io.sluice.http;

import io.netty.channel.ChannelOutboundBuffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Whether the kernel took any byte of a connection's queued writes since the last look. A
 * write's future completes only once all of it reached the kernel, so a client reading a few
 * hundred bytes a second completes a chunk only every few minutes and would look stalled;
 * Netty's outbound buffer counts each byte flushed, including those of a chunk partly
 * written. Call it on the connection's event loop (a response's own timers run there).
 */
final class SocketProgress {

  private final ConnectionBase connection;
  private long lastPending = Long.MAX_VALUE;

  SocketProgress(HttpConnection connection) {
    this.connection = connection instanceof ConnectionBase base ? base : null;
  }

  /** True when fewer bytes wait for the kernel than at the last call: the client took some. */
  boolean advanced() {
    ChannelOutboundBuffer out = connection == null ? null : connection.channel().unsafe().outboundBuffer();
    if (out == null) {
      return false;
    }
    long pending = out.totalPendingWriteBytes() - out.currentProgress();
    boolean advanced = pending < lastPending;
    lastPending = pending;
    return advanced;
  }
}
